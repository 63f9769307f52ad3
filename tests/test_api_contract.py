"""schemathesis, a contract tester no one here wrote, holds the public API to its OpenAPI
document: against the demo served over real HTTP, all four phases (the document's examples,
coverage of every parameter's edges, fuzzing, and stateful runs that follow the document's
links), with every check it has. It runs on each database the suite runs on.

How hard: ``SCHEMATHESIS_MAX_EXAMPLES`` (default 25 per operation). With ``CI`` set the seed is
fixed, so main cannot turn red on an unlucky draw; elsewhere each run explores anew. To run it by
hand against ``make run``: ``.venv/bin/schemathesis run http://127.0.0.1:5000/api/v1/openapi.json
--checks all`` (docs/api.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from config import TestConfig
from pbapp import create_app
from pbapp.extensions import db
from tests.fuzz_support import demo_fixture

demo = pytest.fixture(scope="module")(demo_fixture)
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))


@pytest.fixture(scope="module")
def served_demo(demo):
    app = create_app(TestConfig(demo.app.config["SQLALCHEMY_DATABASE_URI"]))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


def test_schemathesis_finds_no_failure(served_demo, tmp_path):
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{served_demo}/api/v1/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--workers",
        "1",
        "--wait-for-schema",
        "30",
    ]
    if os.environ.get("CI"):
        command += ["--seed", "20261204"]
    run = subprocess.run(
        command,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "NO_COLOR": "1"},
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-6000:]
    assert "No issues found" in report
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in report, report[-3000:]
