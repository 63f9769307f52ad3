"""Development only: the messages written to ``.eml`` files (``MAIL_BACKEND=files``), so a
newcomer running ``make run`` can read the email they just asked for. Not found elsewhere."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template

from pbapp.access import public

bp = Blueprint("dev", __name__, url_prefix="/dev")

_NAME = re.compile(r"^\d{8}\.eml$")


def _folder() -> Path:
    if current_app.config.get("MAIL_BACKEND") != "files" or not current_app.config.get(
        "DEMO_ALLOWED"
    ):
        abort(404)
    return Path(current_app.config["MAIL_FILE_DIR"])


def _read(path: Path):
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


@bp.route("/outbox")
@public
def outbox():
    folder = _folder()
    files = sorted(folder.glob("*.eml"), reverse=True) if folder.is_dir() else []
    messages = []
    for path in files[:200]:
        message = _read(path)
        messages.append(
            {
                "name": path.name,
                "to": message["To"],
                "subject": message["Subject"],
                "date": message["Date"],
            }
        )
    return render_template(
        "dev/outbox.html", messages=messages, total=len(files), folder=str(folder)
    )


@bp.route("/outbox/<name>")
@public
def outbox_message(name: str):
    folder = _folder()
    if not _NAME.match(name) or not (folder / name).is_file():
        abort(404)
    message = _read(folder / name)
    text = message.get_body(preferencelist=("plain",))
    return render_template(
        "dev/outbox_message.html",
        name=name,
        headers=[(k, v) for k, v in message.items() if k != "X-Outbox-Id"],
        text=text.get_content() if text else "",
    )
