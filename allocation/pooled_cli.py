"""Placeholder: replaced by the module's real sub-commands (work in progress)."""


def add_commands(subparsers) -> None:  # noqa: ARG001
    return None
