"""Proposals in the proposer's language, with translations (issue 20).

A proposer writes in their own language and may add an English version; officers add
translations of titles and summaries (audited); residents read a proposal in their language
where a translation exists, marked as one, with the original one click away; the API keeps
the original.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from pbapp.extensions import db
from pbapp.models import AuditEvent, Proposal, ProposalTranslation
from pbapp.services.errors import FieldError
from pbapp.services.participation import proposal_languages
from tests.conftest import PASSWORD, Forms
from tests.pb_factories import add_voters, make_process, make_proposal
from tests.test_i18n import app_with_catalogues, make_catalogue
from tests.test_pb_processes import proposal_form


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def translations() -> list[tuple[int, str, str, str]]:
    db.session.expire_all()
    rows = db.session.scalars(select(ProposalTranslation).order_by(ProposalTranslation.id))
    return [(t.proposal_id, t.language, t.title, t.summary) for t in rows]


def audit_actions(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture()
def polish(app, database_url, tmp_path):
    """An app offering English and Polish (a tiny Polish catalogue of its own)."""
    make_catalogue(tmp_path, "pl")
    made = app_with_catalogues(database_url, tmp_path)
    yield made
    with made.app_context():
        db.engine.dispose()


def signed_in(made_app, user, language: str | None = None) -> tuple:
    """A client of ``made_app`` signed in as ``user`` (reading in ``language``), and its Forms."""
    client = made_app.test_client()
    if language:
        client.set_cookie("lang", language)
    forms = Forms(client)
    response = forms.post("/account/sign-in", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client, forms


# --- The proposal form: the language written in, and an English version -----------------------


def test_the_form_offers_the_writing_language_defaulting_to_the_readers(
    polish, create_user, neighbourhoods
):
    budget = make_process("proposals", neighbourhoods=neighbourhoods[:1]).budgets[0]
    client, _forms = signed_in(polish, create_user("resident"), "pl")
    page = client.get(f"/budgets/{budget.id}/propose").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*id="language"[^>]*>.*?</select>', page, re.S).group(0)
    # Every language of the registry, each in its own words, the reader's chosen.
    assert re.search(
        r'<option[^>]*selected[^>]*value="pl"|<option[^>]*value="pl"[^>]*selected', select_html
    )
    for name in ("English", "العربية", "اردو", "Polski", "Slovenčina", "Soomaali"):
        assert name in select_html
    assert 'name="english_title"' in page and 'name="english_summary"' in page


def test_a_proposal_in_polish_with_an_english_version(forms, create_user, sign_in, neighbourhoods):
    budget = make_process("proposals", neighbourhoods=neighbourhoods[:1]).budgets[0]
    author = create_user("resident")
    sign_in(author)
    response = forms.post(
        f"/budgets/{budget.id}/propose",
        proposal_form(
            title="Sad owocowy",
            summary="Drzewa owocowe na zieleni.",
            language="pl",
            english_title="Community orchard",
            english_summary="Fruit trees on the green.",
            submit="Submit for review",
        ),
        page=f"/budgets/{budget.id}/propose",
    )
    assert response.status_code == 302, text(response)
    proposal = db.session.scalar(select(Proposal))
    assert (proposal.title, proposal.language) == ("Sad owocowy", "pl")
    assert translations() == [(proposal.id, "en", "Community orchard", "Fruit trees on the green.")]
    english = db.session.scalar(select(ProposalTranslation))
    assert english.added_by_id == author.id and not english.by_officer
    # The English reader sees the English version, marked, with the original one click away.
    page = text(forms.client.get(f"/proposals/{proposal.id}"))
    assert "<h1>Community orchard</h1>" in page
    assert "Translated from Polish." in page
    assert f'href="/proposals/{proposal.id}?original=1" hreflang="pl"' in page
    original = text(forms.client.get(f"/proposals/{proposal.id}?original=1"))
    assert '<h1><span lang="pl">Sad owocowy</span></h1>' in original
    assert "The original, in Polish." in original

    # Emptying both English fields removes the proposer's English version.
    response = forms.post(
        f"/proposals/{proposal.id}/edit",
        proposal_form(title="Sad owocowy", language="pl", submit="Submit for review"),
    )
    assert response.status_code == 302
    assert translations() == []


def test_an_english_proposal_keeps_no_english_version(forms, create_user, sign_in, neighbourhoods):
    budget = make_process("proposals", neighbourhoods=neighbourhoods[:1]).budgets[0]
    sign_in(create_user("resident"))
    response = forms.post(
        f"/budgets/{budget.id}/propose",
        proposal_form(language="en", english_title="Ignored", english_summary="Ignored."),
        page=f"/budgets/{budget.id}/propose",
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Proposal)).language == "en"
    assert translations() == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"language": "xx"}, "Choose one of the languages in the list."),
        (
            {"language": "pl", "english_title": "T" * 121, "english_summary": "S"},
            "Use at most 120 characters.",
        ),
        (
            {"language": "pl", "english_title": "T", "english_summary": "S" * 301},
            "Use at most 300 characters.",
        ),
        (
            {"language": "pl", "english_summary": "Only a summary."},
            "Enter the English title, or leave both empty.",
        ),
        (
            {"language": "pl", "english_title": "Only a title"},
            "Enter the English summary, or leave both empty.",
        ),
    ],
)
def test_bad_language_or_english_version_is_refused_and_changes_nothing(
    forms, create_user, sign_in, neighbourhoods, overrides, message
):
    budget = make_process("proposals", neighbourhoods=neighbourhoods[:1]).budgets[0]
    sign_in(create_user("resident"))
    response = forms.post(
        f"/budgets/{budget.id}/propose",
        proposal_form(**overrides),
        page=f"/budgets/{budget.id}/propose",
    )
    assert response.status_code == 422
    assert message in text(response)
    assert db.session.scalar(select(func.count(Proposal.id))) == 0
    assert translations() == []


# --- Officers' translations ---------------------------------------------------------------------


def test_an_officer_translates_a_proposal_and_it_is_audited(polish, create_user, neighbourhoods):
    budget = make_process("review", neighbourhoods=neighbourhoods[:1]).budgets[0]
    proposal = make_proposal(budget, "Community orchard", 4000, status="submitted")
    officer = create_user("officer")
    client, forms = signed_in(polish, officer)
    page = text(client.get(f"/proposals/{proposal.id}"))
    assert f'href="/proposals/{proposal.id}/translate"' in page
    url = f"/proposals/{proposal.id}/translate"
    response = forms.post(
        url, {"language": "pl", "title": "Sad owocowy", "summary": "Drzewa owocowe."}
    )
    assert response.status_code == 302, text(response)
    assert translations() == [(proposal.id, "pl", "Sad owocowy", "Drzewa owocowe.")]
    [event] = audit_actions("proposal.translate")
    assert event.actor_id == officer.id and event.before is None
    assert event.after == {"language": "pl", "title": "Sad owocowy", "summary": "Drzewa owocowe."}

    # Changing it: the form shows the translation so far; before and after are audited.
    assert "Sad owocowy" in text(client.get(f"{url}?language=pl"))
    forms.post(url, {"language": "pl", "title": "Sad sąsiedzki", "summary": "Drzewa owocowe."})
    assert translations() == [(proposal.id, "pl", "Sad sąsiedzki", "Drzewa owocowe.")]
    events = audit_actions("proposal.translate")
    assert [e.before and e.before["title"] for e in events] == [None, "Sad owocowy"]
    # The original is untouched, and is what the API publishes.
    db.session.refresh(proposal)
    assert proposal.title == "Community orchard"
    assert client.get(f"/api/v1/proposals/{proposal.id}").get_json()["title"] == "Community orchard"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"language": "xx", "title": "T", "summary": "S"},
            "Choose one of the languages in the list.",
        ),
        (
            {"language": "sk", "title": "T", "summary": "S"},
            "Choose one of the languages in the list.",
        ),
        (
            {"language": "en", "title": "T", "summary": "S"},
            "The proposal is written in this language",
        ),
        ({"language": "pl", "title": "T" * 121, "summary": "S"}, "Use at most 120 characters."),
        ({"language": "pl", "title": "T", "summary": "S" * 301}, "Use at most 300 characters."),
        ({"language": "pl", "title": "", "summary": "S"}, "Enter a title."),
    ],
)
def test_a_bad_translation_is_refused_and_changes_nothing(
    polish, create_user, neighbourhoods, data, message
):
    budget = make_process("review", neighbourhoods=neighbourhoods[:1]).budgets[0]
    proposal = make_proposal(budget, "Community orchard", 4000, status="submitted")
    _client, forms = signed_in(polish, create_user("officer"))
    response = forms.post(f"/proposals/{proposal.id}/translate", data)
    assert response.status_code == 422
    assert message in text(response)
    assert translations() == []
    assert audit_actions("proposal.translate") == []


def test_only_officers_translate(polish, create_user, neighbourhoods):
    budget = make_process("review", neighbourhoods=neighbourhoods[:1]).budgets[0]
    author = create_user("resident")
    proposal = make_proposal(
        budget, "Sad owocowy", 4000, status="submitted", author=author, language="pl"
    )
    url = f"/proposals/{proposal.id}/translate"
    assert polish.test_client().get(url).status_code == 302  # to sign in
    data = {"language": "en", "title": "Orchard", "summary": "Trees."}
    for person in (create_user("resident"), author, create_user("vcs"), create_user("funder")):
        # Not even the author: their English version is on the proposal form.
        resident, forms = signed_in(polish, person)
        assert resident.get(url).status_code == 403
        assert forms.post(url, data, page=f"/proposals/{proposal.id}").status_code == 403
        assert "/translate" not in text(resident.get(f"/proposals/{proposal.id}"))
    assert translations() == []
    assert audit_actions("proposal.translate") == []


def translate(made_app, officer, proposal, language: str, title: str, summary: str) -> None:
    """An officer's translation, through the page (in ``made_app``, which offers Polish)."""
    _client, forms = signed_in(made_app, officer)
    data = {"language": language, "title": title, "summary": summary}
    response = forms.post(f"/proposals/{proposal.id}/translate", data)
    assert response.status_code == 302, text(response)


def test_a_draft_cannot_be_translated(forms, create_user, sign_in, neighbourhoods):
    budget = make_process("proposals", neighbourhoods=neighbourhoods[:1]).budgets[0]
    draft = make_proposal(budget, "Sad", 4000, status="draft", language="pl")
    sign_in(create_user("officer"))
    assert forms.client.get(f"/proposals/{draft.id}/translate").status_code == 404
    with pytest.raises(FieldError):
        proposal_languages.save_translation(create_user("officer"), draft, "en", "T", "S")


def test_the_proposer_cannot_overwrite_an_officers_english_version(
    forms, create_user, sign_in, neighbourhoods
):
    budget = make_process("proposals", neighbourhoods=neighbourhoods[:1]).budgets[0]
    author = create_user("resident")
    proposal = make_proposal(
        budget, "Sad owocowy", 4000, status="submitted", author=author, language="pl"
    )
    proposal_languages.save_translation(
        create_user("officer"), proposal, "en", "Fruit orchard", "Fruit trees."
    )
    db.session.commit()
    sign_in(author)
    url = f"/proposals/{proposal.id}/edit"
    form_page = text(forms.client.get(url))
    assert 'value="Fruit orchard"' in form_page  # the form shows the officer's version
    base = proposal_form(title="Sad owocowy", language="pl", submit="Submit for review")
    response = forms.post(
        url, {**base, "english_title": "My orchard", "english_summary": "Fruit trees."}
    )
    assert response.status_code == 422
    assert "The council has changed the English version" in text(response)
    assert translations() == [(proposal.id, "en", "Fruit orchard", "Fruit trees.")]
    # Leaving it as it is: the proposer can still change the rest of the proposal.
    response = forms.post(
        url,
        {
            **base,
            "summary": "Nowe drzewa.",
            "english_title": "Fruit orchard",
            "english_summary": "Fruit trees.",
        },
    )
    assert response.status_code == 302
    assert translations() == [(proposal.id, "en", "Fruit orchard", "Fruit trees.")]


# --- What residents see -------------------------------------------------------------------------


def test_readers_see_their_language_everywhere_with_the_original_one_click_away(
    polish, create_user, neighbourhoods
):
    area = neighbourhoods[0]
    process = make_process("voting", neighbourhoods=[area])
    budget = process.budgets[0]
    orchard = make_proposal(budget, "Community orchard", 4000)
    make_proposal(budget, "Benches", 3000)
    translate(polish, create_user("officer"), orchard, "pl", "Sad owocowy", "Drzewa.")
    reader = create_user("resident")
    client, _forms = signed_in(polish, reader, "pl")

    ballot = text(client.get(f"/budgets/{budget.id}/vote"))
    assert "<strong>Sad owocowy</strong>" in ballot
    assert "Drzewa." in ballot
    # The untranslated one stays in English, marked as English on a Polish page.
    assert '<strong><span lang="en-GB">Benches</span></strong>' in ballot
    assert f'href="/proposals/{orchard.id}?original=1" hreflang="en-GB"' in ballot
    assert "Translated from angielski" in ballot  # the name in the reader's language (Babel)

    for url in (f"/budgets/{budget.id}", f"/processes/{process.id}/proposals"):
        page = text(client.get(url))
        assert ">Sad owocowy</a>" in page, url
        assert f"/proposals/{orchard.id}?original=1" in page, url

    page = text(client.get(f"/proposals/{orchard.id}"))
    assert "<h1>Sad owocowy</h1>" in page and "<title>Sad owocowy" in page
    original = text(client.get(f"/proposals/{orchard.id}?original=1"))
    assert '<h1><span lang="en-GB">Community orchard</span></h1>' in original

    # An English reader sees the original, with no note.
    english = text(polish.test_client().get(f"/proposals/{orchard.id}"))
    assert "<h1>Community orchard</h1>" in english and "Translated from" not in english


def test_results_and_the_saved_vote_show_the_translation(polish, create_user, neighbourhoods):
    area = neighbourhoods[0]
    process = make_process("voting", neighbourhoods=[area])
    budget = process.budgets[0]
    orchard = make_proposal(budget, "Community orchard", 4000)
    translate(polish, create_user("officer"), orchard, "pl", "Sad owocowy", "Drzewa.")
    reader = create_user("resident")
    client, forms = signed_in(polish, reader, "pl")
    response = forms.post(f"/budgets/{budget.id}/vote", {"proposal": [str(orchard.id)]})
    assert response.status_code == 302, text(response)
    assert "Sad owocowy" in text(client.get(response.headers["Location"]))

    # A count published: the results page shows the translation too.
    closed = make_process("results", neighbourhoods=[area]).budgets[0]
    cherry = make_proposal(closed, "Cherry trees", 4000)
    translate(polish, create_user("officer"), cherry, "pl", "Wiśnie", "Drzewa.")
    add_voters(closed, area, [{cherry.id: 1}] * 5)
    _officer_client, officer_forms = signed_in(polish, create_user("officer"))
    assert officer_forms.post(f"/budgets/{closed.id}/publish", {}).status_code == 302
    results = text(client.get(f"/budgets/{closed.id}/results"))
    assert ">Wiśnie</a>" in results
    assert f"/proposals/{cherry.id}?original=1" in results


def test_shown_picks_the_readers_language_or_the_original(create_user, neighbourhoods):
    from pbapp.i18n import BY_CODE

    budget = make_process("review", neighbourhoods=neighbourhoods[:1]).budgets[0]
    proposal = make_proposal(budget, "Sad owocowy", 4000, status="submitted", language="pl")
    proposal_languages.save_translation(create_user("officer"), proposal, "en", "Orchard", "Trees.")
    shown = proposal_languages.shown(proposal, BY_CODE["en"])
    assert (shown.title, shown.language.code, shown.translated) == ("Orchard", "en", True)
    shown = proposal_languages.shown(proposal, BY_CODE["en"], original=True)
    assert (shown.title, shown.language.code, shown.translated) == ("Sad owocowy", "pl", False)
    assert shown.translation_exists
    shown = proposal_languages.shown(proposal, BY_CODE["sk"])  # no Slovak: the original
    assert (shown.title, shown.translated, shown.translation_exists) == (
        "Sad owocowy",
        False,
        False,
    )
