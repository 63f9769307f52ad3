"""Core funding for voluntary and community groups (tables are being built)."""
