"""`creditdesk webhook add|list|disable|deliveries|redeliver` and `creditdesk events list|publish`.

Webhook commands act as a user: ``--user NAME`` acts with that web user's role (an admin may,
others are refused, exit 1); without it, as the command line's operator (``cli``), who holds the
database and the audit key and so administers, as with ``user add`` and ``token create``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from creditdesk.entrypoints.cli.context import CLI_ACTOR, json_flag, state
from creditdesk.entrypoints.cli.output import EXIT_USAGE, err, fail, guarded, out, print_json

webhook_app = typer.Typer(
    help="Webhook subscriptions and their deliveries.\n\n"
    "Each delivery is a signed POST (X-Creditdesk-Signature: sha256=HMAC(secret, timestamp.body)), "
    "retried with backoff and given up after a bound; see docs/events.md.",
    no_args_is_help=True,
)
events_app = typer.Typer(
    help="The published event feed.\n\nThe worker publishes new events every few seconds; "
    "`events publish` does one pass now.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
ActAs = Annotated[
    str | None,
    typer.Option("--user", help="Act as this web user (their role decides); default: the command line's operator."),
]


def _acting(ctx: typer.Context, user: str | None) -> Any:
    from creditdesk.domain.roles import Role
    from creditdesk.service.webhooks import Acting

    if user is None:
        return Acting(CLI_ACTOR, Role.ADMIN)
    from creditdesk.entrypoints.cli.engine import role_of

    return Acting(user, role_of(ctx, user))


@webhook_app.command("add")
def webhook_add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="Where deliveries are POSTed (http:// or https://).")],
    events: Annotated[
        str, typer.Option("--events", help="Event types, aliases (order.held) or wildcards (order.*), comma-separated.")
    ] = "*",
    secret: Annotated[
        str | None, typer.Option("--secret", help="At least 16 characters; without it one is made and shown once.")
    ] = None,
    user: ActAs = None,
    as_json: JsonOption = False,
) -> None:
    """Subscribe URL to the events; it receives what is published from now on."""
    from creditdesk.service.webhooks import add_subscription

    services = state(ctx).services
    who = _acting(ctx, user)
    added = guarded(lambda: add_subscription(who, url, events, secret, services.webhook_uow(), services.clock))
    if json_flag(ctx, as_json):
        print_json(added.as_json())
        return
    sub = added.subscription
    out.print(f"webhook {sub.subscription_id}: {sub.url} for {', '.join(sub.events)}")
    if added.generated:
        out.print(f"secret (shown this once): {added.secret}")


@webhook_app.command("list")
def webhook_list(ctx: typer.Context, user: ActAs = None, as_json: JsonOption = False) -> None:
    """The subscriptions (never their secrets)."""
    from creditdesk.service.webhooks import list_subscriptions

    services = state(ctx).services
    who = _acting(ctx, user)
    found = guarded(lambda: list_subscriptions(who, services.webhook_uow()))
    if json_flag(ctx, as_json):
        print_json([s.as_json() for s in found])
        return
    for sub in found:
        status = "active" if sub.active else f"disabled {sub.disabled_at:%Y-%m-%d %H:%M}"
        out.print(f"{sub.subscription_id} {sub.url} [{', '.join(sub.events)}] {status}")


@webhook_app.command("disable")
def webhook_disable(
    ctx: typer.Context,
    subscription_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=2**31 - 1)],
    user: ActAs = None,
) -> None:
    """Stop delivering to a subscription (kept, with its deliveries)."""
    from creditdesk.service.webhooks import disable_subscription

    services = state(ctx).services
    who = _acting(ctx, user)
    guarded(lambda: disable_subscription(who, subscription_id, services.webhook_uow(), services.clock))
    err.print(f"webhook {subscription_id} disabled")


@webhook_app.command("deliveries")
def webhook_deliveries(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="pending, delivered or failed")] = None,
    subscription: Annotated[
        int | None, typer.Option("--subscription", min=1, max=2**31 - 1, help="One subscription's only.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100,
    user: ActAs = None,
    as_json: JsonOption = False,
) -> None:
    """Deliveries, newest first; failed ones with their last error."""
    from creditdesk.service.publishing import DELIVERY_STATUSES
    from creditdesk.service.webhooks import list_deliveries

    if status is not None and status not in DELIVERY_STATUSES:
        fail(f"--status expects {', '.join(DELIVERY_STATUSES)}; got {status!r}", EXIT_USAGE)
    services = state(ctx).services
    who = _acting(ctx, user)
    found = guarded(
        lambda: list_deliveries(who, services.webhook_uow(), status=status, subscription_id=subscription, limit=limit)
    )
    if json_flag(ctx, as_json):
        print_json([d.as_json() for d in found])
        return
    for d in found:
        error = f": {d.last_error}" if d.last_error and d.status != "delivered" else ""
        out.print(
            f"{d.delivery_id} webhook {d.subscription_id} event {d.event_id} {d.event_type} {d.stream}: "
            f"{d.status} after {d.attempts} attempts{error}"
        )


@webhook_app.command("redeliver")
def webhook_redeliver(
    ctx: typer.Context,
    delivery_id: Annotated[int, typer.Argument(metavar="DELIVERY_ID", min=1, max=2**31 - 1)],
    user: ActAs = None,
) -> None:
    """Send a failed delivery again (on the relay's next round)."""
    from creditdesk.service.webhooks import redeliver

    services = state(ctx).services
    who = _acting(ctx, user)
    guarded(lambda: redeliver(who, delivery_id, services.webhook_uow(), services.clock))
    err.print(f"delivery {delivery_id} is pending again")


@events_app.command("list")
def events_list(
    ctx: typer.Context,
    after: Annotated[
        int, typer.Option("--after", min=0, max=2**63 - 1, help="The cursor: the last position already read.")
    ] = 0,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100,
    as_json: JsonOption = False,
) -> None:
    """Published events after a cursor, in feed order; `next` resumes."""
    services = state(ctx).services
    events = guarded(lambda: services.event_store().feed(after, limit))
    following = events[-1].position if events else after
    if json_flag(ctx, as_json):
        print_json({"events": [e.as_json() for e in events], "next": following})
        return
    for e in events:
        out.print(f"{e.position} {e.at:%Y-%m-%d %H:%M:%S} {e.type} {e.stream}#{e.seq}")
    err.print(f"next: {following}")


@events_app.command("publish")
def events_publish(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Publish what the outbox holds, fan it out and deliver what is due, now (one pass)."""
    from creditdesk.entrypoints.worker.events_jobs import relay_until_idle

    services = state(ctx).services
    counts = guarded(lambda: relay_until_idle(services))
    if json_flag(ctx, as_json):
        print_json(counts)
        return
    out.print(", ".join(f"{key} {value}" for key, value in counts.items()))
