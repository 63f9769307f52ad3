"""Access decisions of the core-funding (vcs) blueprint's routes, checked by test_access.py."""

VCS_ACCESS: dict[str, object] = {}
