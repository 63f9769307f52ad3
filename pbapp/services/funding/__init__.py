"""Funding: the use-cases of this feature (see docs/architecture.md)."""
