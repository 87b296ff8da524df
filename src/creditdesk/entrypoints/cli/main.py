"""The `creditdesk` command line (Typer): a light root whose commands load only when they run."""

from __future__ import annotations

from typing import Annotated

import typer

from creditdesk.entrypoints.cli.context import State
from creditdesk.entrypoints.cli.lazy import Entry, LazyGroup

_CLI = "creditdesk.entrypoints.cli"

# Every command, in the order `creditdesk --help` lists them, with the line it shows there
# (tests/unit/test_cli_startup.py checks each line against the command's own help).
COMMANDS: dict[str, Entry] = {
    "monitor": Entry(
        f"{_CLI}.limits:monitor",
        "The daily monitor: penalties, recovery, rewards, bureau downgrades, lapsed temporary limits and the "
        "review calendar, judged on the events dated up to the day.",
    ),
    "score": Entry(
        f"{_CLI}.scoring:score_command",
        "Re-score the stored portfolio (champion and challengers); keep every score in the history.",
    ),
    "simulate": Entry(
        f"{_CLI}.simulate:simulate_app",
        "Simulate the portfolio month by month under each policy, over many seeds: sales, margin, bad debts, "
        "receivables and DSO, financing cost, blocked orders and waits, net profit, each with its 5-95 % band, "
        "against the as-is practice (the book as it was run). Without --policy it compares the built-in "
        "policies: static legacy limits, score-based, dynamic and profit-optimal.",
    ),
    "import": Entry(
        f"{_CLI}.imports:import_command", "Import a file. Any error: nothing is written, one line per problem, exit 65."
    ),
    "check": Entry(
        f"{_CLI}.check:check_command",
        "What-if credit check; nothing is reserved. Exit 0 approved, 1 blocked or review.",
    ),
    "serve": Entry(
        f"{_CLI}.serving:serve",
        "Serve the web app and the API (on a schema at head: `creditdesk db upgrade` migrates).",
    ),
    "demo": Entry(f"{_CLI}.serving:demo", "Build the demo portfolio through the importers, then serve it."),
    "db": Entry(f"{_CLI}.admin:db_app", "Database schema."),
    "token": Entry(f"{_CLI}.admin:token_app", "API tokens."),
    "user": Entry(f"{_CLI}.admin:user_app", "Web users."),
    "audit": Entry(f"{_CLI}.audit:audit_app", "The audit trail."),
    "ledger": Entry(f"{_CLI}.engine:ledger_app", "The exposure ledger."),
    "orders": Entry(f"{_CLI}.engine:orders_app", "Orders held by the credit check."),
    "policy": Entry(f"{_CLI}.engine:policy_app", "Check policies."),
    "bench": Entry(
        f"{_CLI}.moved:bench_app",
        "Moved out of the package: run `python -m bench.credit_check` from a checkout, or `make bench`.",
    ),
    "model": Entry(f"{_CLI}.models:model_app", "Fit, evaluate and apply scoring models on CSV files."),
    "limits": Entry(
        f"{_CLI}.limits:limits_app", "Credit limits: recommendations, applying them, requests and approvals, history."
    ),
    "report": Entry(
        f"{_CLI}.reports:report_app",
        "Receivables reports: ageing, DSO, collection effectiveness, expected losses, working capital.",
    ),
    "forecast": Entry(
        f"{_CLI}.forecast:forecast_app",
        "Cash-inflow forecast from the open invoices, payment-date predictions and the backtest.",
    ),
    "collections": Entry(
        f"{_CLI}.collections:collections_app", "Dunning levels, promises to pay and the collector's worklist."
    ),
    "terms": Entry(f"{_CLI}.terms:terms_app", "Credit terms: discounts, late-payment interest, terms by grade."),
    "applications": Entry(
        f"{_CLI}.applications:applications_app",
        "Credit applications: submit, attach documents, approve (four eyes), reject, withdraw, list.",
    ),
    "notes": Entry(
        f"{_CLI}.applications:notes_app",
        "Notes on customers, applications, disputes and limit requests: add, list, search.",
    ),
    "disputes": Entry(
        f"{_CLI}.disputes:disputes_app",
        "Dispute cases on invoices: open (whole or part), review, comment, resolve by credit note or reject, list.",
    ),
    "cover": Entry(
        f"{_CLI}.disputes:cover_app",
        "Credit insurance, guarantees and letters of credit on customers; insurance claims.",
    ),
    "customers": Entry(
        f"{_CLI}.customers:customers_app",
        "Customers' master data: changes with history, deactivation, merges, list and search.",
    ),
    "worker": Entry(
        f"{_CLI}.worker:worker_command",
        "Run the daily cycle on its schedule, and publish events and notifications, until stopped.",
    ),
    "batch": Entry(
        f"{_CLI}.batch:batch_app",
        "The nightly portfolio batch as of a day (features, scores, limits, proposals), locally or on Spark.",
    ),
    "jobs": Entry(f"{_CLI}.worker:jobs_app", "The daily cycle's jobs: their runs, and one run now."),
    "webhook": Entry(f"{_CLI}.webhooks:webhook_app", "Webhook subscriptions and their deliveries."),
    "events": Entry(f"{_CLI}.webhooks:events_app", "The published event feed."),
    "notifications": Entry(f"{_CLI}.notifications:notifications_app", "Notifications to people, and their mail."),
    "company": Entry(
        f"{_CLI}.segments:company_app", "Company codes (selling entities) and the customers' credit segments in them."
    ),
    "backup": Entry(f"{_CLI}.backup:backup_command", "Back up the whole database to a file, consistently."),
    "revalue": Entry(
        f"{_CLI}.revaluation:revalue_command",
        "Revalue open foreign-currency invoices at a month-end's rates (ledger kind revalue, audited, logged).",
    ),
    "restore": Entry(
        f"{_CLI}.backup:restore_command", "Restore the database from a backup file (an empty database, or --force)."
    ),
}


class CreditdeskGroup(LazyGroup):
    entries = COMMANDS


app = typer.Typer(
    cls=CreditdeskGroup,
    help="creditdesk: customer credit limit management.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # The root's help in Click's plain format: Rich's help renderer alone costs 0.2 s to import.
    rich_markup_mode=None,
)


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (default: CREDITDESK_DATABASE_URL or sqlite:///var/creditdesk.db)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")] = False,
) -> None:
    ctx.obj = State(db, as_json)


def run() -> None:
    try:
        app()
    except KeyboardInterrupt:
        raise SystemExit(130) from None
