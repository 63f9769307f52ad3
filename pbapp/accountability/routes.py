"""Commitments, delivery, stories, the fairness dashboard and open data (views are being built)."""

from pbapp.accountability import bp  # noqa: F401
