"""Access decisions of the core-funding (vcs) blueprint's routes, checked by test_access.py."""

OFFICER = frozenset({"officer"})
VCS = frozenset({"vcs"})
VCS_OR_OFFICER = frozenset({"vcs", "officer"})

VCS_ACCESS: dict[str, object] = {
    # Anyone: published rounds only, the formula, the CSV download.
    "vcs.index": "public",
    "vcs.formula": "public",
    "vcs.round_page": "public",
    "vcs.round_csv": "public",
    "vcs.round_inputs": "public",
    "vcs.round_open_grants": "public",
    "vcs.open_grants_all": "public",
    "vcs.equality_note": "public",
    # A group's keepers (their own group only) and officers.
    "vcs.my_group": VCS,
    "vcs.group_new": VCS,
    "vcs.group": VCS_OR_OFFICER,
    "vcs.group_edit": VCS_OR_OFFICER,
    "vcs.statement": VCS_OR_OFFICER,
    "vcs.correction_new": VCS,
    # Officers: eligibility, rounds, corrections.
    "vcs.groups": OFFICER,
    "vcs.eligibility": OFFICER,
    "vcs.reach_check": OFFICER,
    "vcs.keepers": OFFICER,
    "vcs.round_new": OFFICER,
    "vcs.round_edit": OFFICER,
    "vcs.round_preview": OFFICER,
    "vcs.round_publish": OFFICER,
    "vcs.corrections": OFFICER,
    "vcs.correction": OFFICER,
}
