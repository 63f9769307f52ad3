"""The house's import rules (docs/architecture.md), checked on the source text.

Views (blueprints) call services; services change models; models and services call the pure
`allocation` library. Nothing imports upwards, and no blueprint reaches into another. No module
of `pbapp` or `allocation` imports another module's private (`_name`) names.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The objects of one web request: a service or model that needs one is doing a view's work.
# (Rendering a template or building a URL needs only the app, as emails do: allowed.)
WEB_ONLY = {"request", "session", "g", "flash", "redirect", "abort", "make_response"}


def _blueprints() -> set[str]:
    """Packages of pbapp that define a Flask blueprint (found, not listed by hand)."""
    return {
        f"pbapp.{init.parent.name}"
        for init in (ROOT / "pbapp").glob("*/__init__.py")
        if "Blueprint(" in init.read_text()
    }


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.ImportFrom):
            base = _module(path).split(".")
            base = base[: len(base) - node.level + (1 if path.name == "__init__.py" else 0)]
            module = ".".join(base + ([node.module] if node.module else []))
            found.append((module, [a.name for a in node.names], node.lineno))
    return found


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _violations() -> list[str]:
    blueprints = _blueprints()
    problems = []
    for path in sorted((ROOT / "allocation").rglob("*.py")):
        for module, names, line in _imports(path):
            if any(_within(module, p) for p in ("pbapp", "flask", "sqlalchemy", "werkzeug")) or (
                module.startswith("flask_")
            ):
                problems.append(f"{path.relative_to(ROOT)}:{line} allocation imports {module}")
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private and _within(module, "allocation"):
                problems.append(
                    f"{path.relative_to(ROOT)}:{line} imports private {private} from {module}"
                )
    for path in sorted((ROOT / "pbapp").rglob("*.py")):
        here = _module(path)
        own = next((b for b in blueprints if _within(here, b)), None)
        lower = any(_within(here, p) for p in ("pbapp.services", "pbapp.models", "pbapp.demo"))
        for module, names, line in _imports(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            other = next((b for b in blueprints if _within(module, b)), None)
            if other and own and other != own:
                problems.append(f"{where} blueprint {own} imports blueprint {other}")
            if other and lower:
                problems.append(f"{where} {here} imports blueprint {other}")
            if lower and module == "flask" and WEB_ONLY & set(names):
                problems.append(
                    f"{where} {here} imports {sorted(WEB_ONLY & set(names))} from flask"
                )
            if lower and _within(module, "flask") and module != "flask":
                problems.append(f"{where} {here} imports {module}")
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private and (_within(module, "pbapp") or _within(module, "allocation")):
                problems.append(f"{where} imports private {private} from {module}")
    return problems


def test_imports_follow_the_layers():
    assert _violations() == []


def test_the_checker_sees_a_breach(tmp_path, monkeypatch):
    """The rules are not vacuous: a service importing a blueprint and Flask's request, and an
    allocation module importing SQLAlchemy or another module's private name, are each
    reported."""
    fake = tmp_path / "repo"
    (fake / "pbapp" / "pb").mkdir(parents=True)
    (fake / "pbapp" / "pb" / "__init__.py").write_text("bp = Blueprint('pb', __name__)\n")
    (fake / "pbapp" / "services").mkdir()
    (fake / "pbapp" / "services" / "x.py").write_text(
        "from flask import request\nfrom pbapp.pb import bp\n"
    )
    (fake / "allocation").mkdir()
    (fake / "allocation" / "y.py").write_text(
        "import sqlalchemy\nfrom allocation.z import _helper, public\n"
    )
    monkeypatch.setitem(globals(), "ROOT", fake)
    assert sorted(_violations()) == [
        "allocation/y.py:1 allocation imports sqlalchemy",
        "allocation/y.py:2 imports private ['_helper'] from allocation.z",
        "pbapp/services/x.py:1 pbapp.services.x imports ['request'] from flask",
        "pbapp/services/x.py:2 pbapp.services.x imports blueprint pbapp.pb",
    ]
