"""One fingerprint for what is published (issue 15): scenarios and core-funding rounds use the
same canonical JSON; results keep the encoding they were first published with, so every
published figure still rechecks."""

from __future__ import annotations

import hashlib

from pbapp.services import published
from pbapp.services.core_funding import document as round_document
from pbapp.services.funding import documents as scenario_documents

DOC = {"b": [1, 2], "a": "Burngreave — £1", "schema_version": 2}


def test_canonical_json_is_sorted_compact_utf8():
    assert published.canonical_json(DOC) == (
        '{"a":"Burngreave — £1","b":[1,2],"schema_version":2}'.encode()
    )
    assert published.fingerprint(DOC) == hashlib.sha256(published.canonical_json(DOC)).hexdigest()


def test_scenarios_and_rounds_share_the_one_encoding():
    assert scenario_documents.fingerprint_of(DOC) == published.fingerprint(DOC)
    assert round_document.fingerprint_of(DOC) == published.fingerprint(DOC)
    assert published.matches(DOC, published.fingerprint(DOC))
    assert not published.matches({**DOC, "b": [2, 1]}, published.fingerprint(DOC))


def test_results_keep_the_encoding_they_were_published_with():
    # The result fingerprint of a document published before this module existed.
    legacy = {"ballots": ["[1, 2]"], "budget": 10000, "rule": "mes-add1"}
    assert (
        published.result_fingerprint(legacy)
        == hashlib.sha256(
            b'{"ballots": ["[1, 2]"], "budget": 10000, "rule": "mes-add1"}'
        ).hexdigest()
    )
