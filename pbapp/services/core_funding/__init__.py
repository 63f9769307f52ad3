"""Core funding for VCS groups: the services behind the /core-funding pages.

The formula itself is ``allocation.core_funding``; these modules gather its inputs from the
database, keep them as a document in the command line's JSON format (so that anyone can rerun
``python -m allocation core-funding`` on a published round's inputs and get the same awards),
and store the awards of a published round with the inputs' SHA-256 fingerprint.

- :mod:`.profiles`: a group's profile, keepers, eligibility, reach checks
- :mod:`.settings`: a round's settings and the formula parameters they become
- :mod:`.document`: the inputs document, its fingerprint, the formula run on it
- :mod:`.refusals`: plain words for a refused round, chosen by the error's code
- :mod:`.rounds`: drafts, preview, publish, recheck, reading published rounds
- :mod:`.subsidy`: Minimal Financial Assistance totals (Subsidy Control Act 2022)
- :mod:`.charts`, :mod:`.exports`: a published round's charts and CSV
- :mod:`.corrections`: correction requests and their decisions

Services validate, change the session and record audit events; they never commit. Views use
the names below (``from pbapp.services import core_funding as cf``).
"""

from pbapp.services.core_funding.charts import awards_by_band, awards_by_need
from pbapp.services.core_funding.corrections import (
    corrections_of,
    decide_correction,
    open_corrections,
    raise_correction,
)
from pbapp.services.core_funding.document import (
    RoundProblem,
    build_document,
    fingerprint_of,
    intensive_of,
    people_of,
)
from pbapp.services.core_funding.exports import (
    BOUND_NAMES,
    CSV_HEADER,
    awards_csv,
    equality_and_checks,
    equality_note_figures,
)
from pbapp.services.core_funding.profiles import (
    Profile,
    add_keeper,
    create_organisation,
    organisation_of,
    record_reach_check,
    set_eligibility,
    update_organisation,
)
from pbapp.services.core_funding.rounds import (
    AwardRow,
    Computation,
    award_of,
    check_published,
    compute_round,
    create_round,
    draft_rounds,
    latest_published_round,
    preview_round,
    publish_round,
    published_rounds,
    stability_ceiling,
    update_round,
)
from pbapp.services.core_funding.settings import (
    DEFAULT_SETTINGS,
    RoundSettings,
    band_labels,
    check_settings,
    parameters_of,
    settings_of,
)

__all__ = [
    "BOUND_NAMES",
    "CSV_HEADER",
    "DEFAULT_SETTINGS",
    "AwardRow",
    "Computation",
    "Profile",
    "RoundProblem",
    "RoundSettings",
    "add_keeper",
    "award_of",
    "awards_by_band",
    "awards_by_need",
    "awards_csv",
    "band_labels",
    "build_document",
    "check_published",
    "check_settings",
    "compute_round",
    "corrections_of",
    "create_organisation",
    "create_round",
    "decide_correction",
    "draft_rounds",
    "fingerprint_of",
    "latest_published_round",
    "open_corrections",
    "organisation_of",
    "parameters_of",
    "people_of",
    "intensive_of",
    "equality_note_figures",
    "equality_and_checks",
    "preview_round",
    "publish_round",
    "published_rounds",
    "raise_correction",
    "record_reach_check",
    "set_eligibility",
    "settings_of",
    "stability_ceiling",
    "update_organisation",
    "update_round",
]
