"""One way to fingerprint what is published, so anyone can recompute a published figure.

A published scenario, core-funding round or participatory-budgeting result stores the document
it was computed from and the SHA-256 of that document in canonical JSON. Rechecking it means
encoding the stored document the same way and comparing; this module is the one place that
encoding is defined.

- ``fingerprint`` (scenarios and core-funding rounds): keys sorted, no spaces, UTF-8 as is.
- ``result_fingerprint`` (participatory-budgeting results): keys sorted, JSON's default
  separators, non-ASCII escaped. Results were first published this way; changing it would
  break the recheck of every result already published, so it stays, named for what it is.

Documents carry ``schema_version`` where their shape has changed (scenarios: 2); a reader for
each earlier version keeps what was published under it rechecking.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(document: Any) -> bytes:
    """The document as canonical JSON: sorted keys, no spaces, UTF-8."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def fingerprint(document: Any) -> str:
    """SHA-256 (hex) of the document's canonical JSON."""
    return hashlib.sha256(canonical_json(document)).hexdigest()


def result_fingerprint(document: Any) -> str:
    """SHA-256 (hex) of a participatory-budgeting result's document, as results are encoded."""
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def matches(document: Any, stored: str | None) -> bool:
    """Whether a stored document still has the fingerprint it was published with."""
    return stored is not None and fingerprint(document) == stored
