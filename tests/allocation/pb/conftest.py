"""Shared fixtures for the vote-count tests: where the real elections are, and loading them."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from allocation.pb import Election, read_pb

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "pabulib"
FILES = sorted(p.name for p in DATA.glob("*.pb")) if DATA.is_dir() else []
REFERENCE = Path(__file__).resolve().parent / "reference"


def need_data() -> None:
    """Skip the calling test when the shared elections are absent (a user's fresh checkout)."""
    if not DATA.is_dir():
        pytest.skip(f"shared pabulib data not found at {DATA} (present in CI)")


@cache
def load(name: str) -> Election:
    """Read a shared election once per test session."""
    need_data()
    return read_pb(DATA / name)
