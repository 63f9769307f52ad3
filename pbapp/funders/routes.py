"""Funders' pooled budgets and needs-weighted scenarios (views are being built)."""

from pbapp.funders import bp  # noqa: F401
