"""Core funding for voluntary and community groups (views are being built)."""

from pbapp.vcs import bp  # noqa: F401
