"""Access decisions of the funders blueprint's routes, checked by test_access.py."""

NEED_DATA = frozenset({"funder", "officer"})
# Officers may change any funder's contributions and draft scenarios (issue 16).
FUNDER_OR_OFFICER = frozenset({"funder", "officer"})

FUNDERS_ACCESS: dict[str, object] = {
    # Anyone: published allocations only, how they were worked out, downloads.
    "funding.index": "public",
    "funding.allocation": "public",
    "funding.allocation_download": "public",
    "funding.allocation_inputs": "public",
    # Need data: funders model with it, officers look after it.
    "funding.need_data": NEED_DATA,
    "funding.need_import_deprivation": NEED_DATA,
    "funding.need_import_indicators": NEED_DATA,
    # Funders: contributions, scenarios, publishing, the pooled budget; officers too, as they may
    # change any funder's records (issue 16), each funder only its own organisation's.
    "funding.contributions": FUNDER_OR_OFFICER,
    "funding.contribution_new": FUNDER_OR_OFFICER,
    "funding.contribution_edit": FUNDER_OR_OFFICER,
    "funding.scenarios": FUNDER_OR_OFFICER,
    "funding.scenario_new": FUNDER_OR_OFFICER,
    "funding.scenario_edit": FUNDER_OR_OFFICER,
    "funding.scenario": FUNDER_OR_OFFICER,
    "funding.scenario_publish": FUNDER_OR_OFFICER,
    "funding.scenario_undo_budgets": FUNDER_OR_OFFICER,
    "funding.scenario_download": FUNDER_OR_OFFICER,
    "funding.pool": FUNDER_OR_OFFICER,
    "funding.pool_inputs": FUNDER_OR_OFFICER,
}
