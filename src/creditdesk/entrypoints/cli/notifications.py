"""`creditdesk notifications list|send|test-mail`: what people were told, a notify pass now, and
a test of the mail settings (docs/notifications.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from creditdesk.entrypoints.cli.context import json_flag, state
from creditdesk.entrypoints.cli.output import EXIT_UNAVAILABLE, EXIT_USAGE, err, fail, guarded, out, print_json

notifications_app = typer.Typer(
    help="Notifications to people, and their mail.\n\nWho is told what, and how: docs/notifications.md.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="JSON on stdout.")]


@notifications_app.command("list")
def notifications_list(
    ctx: typer.Context,
    user: Annotated[str, typer.Option("--user", help="Whose notifications.")],
    unread: Annotated[bool, typer.Option("--unread", help="Only those not read yet.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    as_json: JsonOption = False,
) -> None:
    """A user's notifications, newest first."""
    from creditdesk.service.notifications import my_notifications

    services = state(ctx).services
    found = guarded(lambda: my_notifications(services.notification_store(), user, unread_only=unread, limit=limit))
    if json_flag(ctx, as_json):
        print_json([n.as_json() for n in found])
        return
    for n in found:
        flags = ("" if n.read_at else "unread ") + ("mailed" if n.mailed_at else "not mailed")
        out.print(f"{n.notification_id} {n.created_at:%Y-%m-%d %H:%M} [{flags}] {n.subject}", soft_wrap=True)
    if not found:
        err.print(f"no {'unread ' if unread else ''}notifications for {user}")


@notifications_app.command("send")
def notifications_send(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """One notify pass now: notifications from newly published events, then their mail (the
    worker does this every tick)."""
    from creditdesk.entrypoints.worker.notify_jobs import notify_tick

    services = state(ctx).services
    counts = guarded(lambda: notify_tick(services))
    if json_flag(ctx, as_json):
        print_json(counts)
        return
    out.print(
        f"{counts.get('events', 0)} events read, {counts.get('notifications', 0)} notifications made "
        f"({counts.get('webhook_notifications', 0)} about webhooks), {counts.get('mailed', 0)} mailed, "
        f"{counts.get('mail_failed', 0)} not mailed"
    )
    if not services.settings.smtp_host:
        err.print("no SMTP server is configured (CREDITDESK_SMTP_HOST): notifications are on the bell only")


@notifications_app.command("test-mail")
def notifications_test_mail(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", help="The address to send the test mail to.")],
    language: Annotated[str, typer.Option("--language", help="en or zh")] = "en",
) -> None:
    """Send a test mail through the configured SMTP server; exit 69 when it is unavailable."""
    from creditdesk.adapters.mailer import SmtpMailer
    from creditdesk.service.auth import check_email
    from creditdesk.service.notifications import MailUnavailable, send_test_mail

    services = state(ctx).services
    address = guarded(lambda: check_email(to))
    if address is None:
        fail("--to needs an e-mail address", EXIT_USAGE)
    mailer = SmtpMailer(services.settings)
    try:
        send_test_mail(mailer, address, "zh" if language == "zh" else "en")
    except MailUnavailable as error:
        fail(f"the test mail was not sent: {error}", EXIT_UNAVAILABLE)
    err.print(f"test mail sent to {address} through {mailer.host}:{mailer.port}")
