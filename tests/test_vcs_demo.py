"""The core-funding demo: Sheffield groups across the demo wards, a published and a draft round."""

from __future__ import annotations

from sqlalchemy import func, select

from pbapp.demo import load_demo
from pbapp.demo.core_funding import load_core_funding_demo
from pbapp.extensions import db
from pbapp.models import User
from pbapp.models.core_funding import CoreFundingRound, CorrectionRequest, Organisation
from pbapp.services import core_funding as cf


def counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Organisation, CoreFundingRound, CorrectionRequest)
    )


def test_demo_loads_groups_rounds_and_a_correction_once(app, client):
    load_demo()
    load_core_funding_demo()
    db.session.commit()
    assert counts() == (8, 2, 1)

    load_core_funding_demo()  # idempotent: nothing added the second time
    db.session.commit()
    assert counts() == (8, 2, 1)

    keeper = db.session.scalar(select(User).where(User.email == "vcs@demo.test"))
    mine = cf.organisation_of(keeper)
    assert mine is not None and mine.reach  # the demo vcs account keeps a group with reach

    published, drafts = cf.published_rounds(), cf.draft_rounds()
    assert len(published) == 1 and len(drafts) == 1
    item = published[0]
    assert item.total + item.unallocated == item.pot
    assert len(item.awards) == sum(o.eligible for o in db.session.scalars(select(Organisation)))
    assert cf.check_published(item)
    assert client.get(f"/core-funding/rounds/{item.id}").status_code == 200
    assert client.get(f"/core-funding/rounds/{drafts[0].id}").status_code == 404
    preview = cf.preview_round(drafts[0], cf.settings_of(drafts[0]))
    assert preview.problem is None and preview.result.total + preview.result.unallocated == 95_000
