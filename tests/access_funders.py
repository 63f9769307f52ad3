"""Access decisions of the funders blueprint's routes, checked by test_access.py."""

FUNDER = frozenset({"funder"})
NEED_DATA = frozenset({"funder", "officer"})

FUNDERS_ACCESS: dict[str, object] = {
    # Anyone: published allocations only, how they were worked out, downloads.
    "funders.index": "public",
    "funders.allocation": "public",
    "funders.allocation_download": "public",
    "funders.allocation_inputs": "public",
    # Need data: funders model with it, officers look after it.
    "funders.need_data": NEED_DATA,
    "funders.need_import_deprivation": NEED_DATA,
    "funders.need_import_indicators": NEED_DATA,
    # Funders: contributions, scenarios, publishing, the pooled budget.
    "funders.contributions": FUNDER,
    "funders.contribution_new": FUNDER,
    "funders.contribution_edit": FUNDER,
    "funders.scenarios": FUNDER,
    "funders.scenario_new": FUNDER,
    "funders.scenario_edit": FUNDER,
    "funders.scenario": FUNDER,
    "funders.scenario_publish": FUNDER,
    "funders.scenario_download": FUNDER,
    "funders.pool": FUNDER,
    "funders.pool_inputs": FUNDER,
}
