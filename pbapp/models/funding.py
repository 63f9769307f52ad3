"""Funders' contributions, pooled budgets and allocation scenarios (tables are being built)."""
