"""Commitments, updates, delivery tracking and stories (tables are being built)."""
