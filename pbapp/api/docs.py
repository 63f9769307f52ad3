"""The API's reference page, generated from ``openapi.json`` (server-rendered: no script, no
CDN, works offline). Each operation with its parameters and the fields of its answer, the
schemas' ``$ref`` resolved into nested field lists."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OPENAPI = Path(__file__).with_name("openapi.json")


def load() -> dict[str, Any]:
    return json.loads(OPENAPI.read_text(encoding="utf-8"))


@dataclass
class Row:
    """One field of an answer: its path of names, type in words, whether always present."""

    name: str
    kind: str
    required: bool
    description: str
    depth: int


@dataclass
class Operation:
    method: str
    path: str
    url: str
    summary: str
    description: str
    parameters: list[dict[str, Any]]
    answers: list[tuple[str, str, list[Row], str]] = field(default_factory=list)
    # (status, description, fields, media type)


def _resolve(spec: dict, node: dict) -> dict:
    seen = 0
    while "$ref" in node and seen < 20:
        parts = node["$ref"].removeprefix("#/").split("/")
        found: Any = spec
        for part in parts:
            found = found[part]
        node = {**found, **{k: v for k, v in node.items() if k != "$ref"}}
        seen += 1
    return node


def _kind(spec: dict, schema: dict) -> str:
    schema = _resolve(spec, schema)
    if "enum" in schema:
        return "one of " + ", ".join(f"“{v}”" for v in schema["enum"])
    if "oneOf" in schema or "anyOf" in schema:
        options = schema.get("oneOf") or schema.get("anyOf")
        return " or ".join(_kind(spec, s) for s in options)
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        return " or ".join("null" if k == "null" else k for k in kind)
    if kind == "array":
        return f"list of {_kind(spec, schema.get('items', {}))}"
    if kind == "object" and "additionalProperties" in schema and not schema.get("properties"):
        return f"mapping of names to {_kind(spec, schema['additionalProperties'])}"
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    if "minimum" in schema:
        return f"{kind}, at least {schema['minimum']}"
    return kind


def _rows(spec: dict, schema: dict, depth: int = 0, prefix: str = "") -> list[Row]:
    schema = _resolve(spec, schema)
    if schema.get("type") == "array":
        return _rows(spec, schema.get("items", {}), depth, prefix + "[]")
    rows: list[Row] = []
    required = set(schema.get("required", []))
    for name, sub in (schema.get("properties") or {}).items():
        resolved = _resolve(spec, sub)
        rows.append(
            Row(
                name=f"{prefix}.{name}" if prefix else name,
                kind=_kind(spec, sub),
                required=name in required,
                description=resolved.get("description", ""),
                depth=depth,
            )
        )
        if depth < 4:
            rows.extend(_rows(spec, resolved, depth + 1, f"{prefix}.{name}" if prefix else name))
    return rows


def operations(spec: dict | None = None) -> list[Operation]:
    spec = spec or load()
    base = spec["servers"][0]["url"]
    found = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            parameters = [_resolve(spec, p) for p in op.get("parameters", [])]
            for p in parameters:
                p["kind"] = _kind(spec, p.get("schema", {}))
            operation = Operation(
                method=method.upper(),
                path=path,
                url=base + path,
                summary=op.get("summary", ""),
                description=op.get("description", ""),
                parameters=parameters,
            )
            for status, answer in op.get("responses", {}).items():
                answer = _resolve(spec, answer)
                for media, content in (answer.get("content") or {"": {}}).items():
                    rows = _rows(spec, content.get("schema", {})) if content else []
                    operation.answers.append((status, answer.get("description", ""), rows, media))
            found.append(operation)
    return found
