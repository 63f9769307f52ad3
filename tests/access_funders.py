"""Access decisions of the funders blueprint's routes, checked by test_access.py."""

FUNDERS_ACCESS: dict[str, object] = {}
