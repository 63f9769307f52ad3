"""Access decisions of the accountability blueprint's routes, checked by test_access.py."""

ACCOUNTABILITY_ACCESS: dict[str, object] = {}
