"""``flask`` commands: the demo data (more imports and recounts join here)."""

from __future__ import annotations

import click
from flask import Flask, current_app

from pbapp.extensions import db


def register(app: Flask) -> None:
    @app.cli.group()
    def demo() -> None:
        """The demo data set."""

    @demo.command("load")
    def demo_load() -> None:
        """Load the Sheffield demo (idempotent) and print the demo accounts."""
        from pbapp.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo

        if not current_app.config.get("DEMO_ALLOWED"):
            raise click.ClickException(
                "The demo data is for development only (set PBAPP_ENV=development)."
            )
        report = load_demo()
        db.session.commit()
        click.echo(
            f"Demo data: {report.neighbourhoods_added} neighbourhoods, "
            f"{report.indicators_added} need figures, {report.accounts_added} accounts and "
            f"{report.processes_added} participatory-budgeting processes added "
            "(nothing is added twice)."
        )
        click.echo(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
        for account in DEMO_ACCOUNTS:
            click.echo(f"  {account.role:<9} {account.email}")

    @app.cli.group()
    def verification() -> None:
        """Verified residents' data."""

    @verification.command("tidy")
    def verification_tidy() -> None:
        """Delete verification data no process needs any more (run it daily)."""
        from pbapp import clock
        from pbapp.services.verification.retention import tidy

        done = tidy(clock.today())
        db.session.commit()
        click.echo(
            f"Deleted {done.birth_dates} dates of birth typed on ballots and "
            f"{done.unused_codes} unused codes of withdrawn letter batches."
        )

    @app.cli.group()
    def mail() -> None:
        """The email outbox."""

    @mail.command("send")
    def mail_send() -> None:
        """Deliver every message due now, then stop (for cron, or to empty the outbox once)."""
        from pbapp.mailer import deliver_due

        report = deliver_due()
        click.echo(
            f"Outbox: {report.sent} sent, {report.retried} to try again later, "
            f"{report.failed} given up (listed at /admin/outbox)."
        )

    @mail.command("work")
    @click.option("--every", default=5.0, show_default=True, help="Seconds between looks.")
    def mail_work(every: float) -> None:
        """Deliver the outbox for ever: the production worker (Ctrl-C or SIGTERM stops it)."""
        import time

        from pbapp.mailer import deliver_due

        click.echo(f"Delivering the outbox every {every:g} s (Ctrl-C stops).")
        while True:
            report = deliver_due()
            if report.sent or report.retried or report.failed:
                click.echo(
                    f"{report.sent} sent, {report.retried} to try again, {report.failed} given up"
                )
            time.sleep(every)

    @app.cli.group()
    def notices() -> None:
        """Notices that come from the calendar."""

    @notices.command("send")
    def notices_send() -> None:
        """Write today's scheduled notices (voting opens; closes in two days) and the daily
        digests to the outbox. Run it daily (cron, or beside the mail worker): a second run
        writes nothing twice."""
        from pbapp.clock import today
        from pbapp.services.notifications.digest import digests
        from pbapp.services.notifications.notices import scheduled

        report = scheduled(today())
        db.session.commit()
        click.echo(
            f"Notices written: {report.opens} 'voting is open', {report.closing} 'closes soon'."
        )
        # After the scheduled notices, so that today's reach today's digests.
        gathered = digests(today())
        db.session.commit()
        click.echo(f"Daily digests written: {gathered}.")
