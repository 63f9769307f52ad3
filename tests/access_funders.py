"""Access decisions of the funders blueprint's routes, checked by test_access.py."""

FUNDER = frozenset({"funder"})
NEED_DATA = frozenset({"funder", "officer"})

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
    # Funders: contributions, scenarios, publishing, the pooled budget.
    "funding.contributions": FUNDER,
    "funding.contribution_new": FUNDER,
    "funding.contribution_edit": FUNDER,
    "funding.scenarios": FUNDER,
    "funding.scenario_new": FUNDER,
    "funding.scenario_edit": FUNDER,
    "funding.scenario": FUNDER,
    "funding.scenario_publish": FUNDER,
    "funding.scenario_download": FUNDER,
    "funding.pool": FUNDER,
    "funding.pool_inputs": FUNDER,
}
