"""The outbox worker's unit of work: deliver, commit after each message (run by ``flask mail``
commands, and after each request in development)."""

from __future__ import annotations

from flask import current_app

from pbapp.extensions import db
from pbapp.services.mail.delivery import DeliveryReport, deliver_next, transport_for


def deliver_due(transport=None, *, limit: int | None = None) -> DeliveryReport:
    """Deliver every message due now (at most ``limit``), committing after each one, so a
    message is marked sent in the same transaction that held its row lock."""
    own_transport = transport is None
    transport = transport or transport_for(current_app.config)
    report = DeliveryReport()
    last_id = 0  # a message that failed in this pass is not tried again in it
    try:
        while limit is None or report.sent + report.retried + report.failed < limit:
            try:
                claimed = deliver_next(transport, report, last_id)
            except Exception:
                db.session.rollback()
                raise
            if claimed is None:
                db.session.rollback()
                break
            db.session.commit()
            last_id = claimed
    finally:
        if own_transport:
            transport.close()
    return report


def register(app) -> None:
    """In development (``MAIL_DELIVER_AFTER_REQUEST``), write the messages a request committed
    to ``.eml`` files straight after it, so ``make run`` needs no worker and no mail server."""
    if not app.config.get("MAIL_DELIVER_AFTER_REQUEST") or app.config["MAIL_BACKEND"] != "files":
        return

    @app.after_request
    def deliver_to_files(response):
        try:
            deliver_due()
        except Exception:  # the page was already served: a file problem must not spoil it
            db.session.rollback()
            app.logger.exception("Could not write the outbox to files")
        return response
