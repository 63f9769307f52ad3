"""Fixtures for the needs tests: the shared Sheffield data, and running a sub-command."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

# <repo>/tests/allocation/needs/conftest.py -> <repo>/../shared/data/sheffield
SHEFFIELD = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "sheffield"


@pytest.fixture
def sheffield() -> Path:
    """The folder of real Sheffield need data; skips the test in a checkout without it."""
    if not SHEFFIELD.is_dir():
        pytest.skip(
            f"shared Sheffield data not found at {SHEFFIELD} (it lives beside the "
            "repository in CI, not in a fresh checkout)"
        )
    return SHEFFIELD


def run_command(module, argv: list[str]) -> int:
    """Parse ``argv`` with only ``module``'s sub-commands and run it, as ``__main__`` does."""
    parser = argparse.ArgumentParser(prog="python -m allocation")
    module.add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))
