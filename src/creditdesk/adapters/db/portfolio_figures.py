"""The dashboard's portfolio figures (totals, the board, grade migration) in one bundle, and as a
JSON body: on a book too large to add up in a request, they are kept as a snapshot a few minutes
old (``entrypoints.portfolio_views``) and read back into the same objects the page shows live."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from creditdesk.adapters.db.queries import (
    CurrencyTotals,
    Dashboard,
    Migration,
    Share,
    dashboard,
    grade_migration,
    portfolio_totals,
)
from creditdesk.domain.money import Money


@dataclass(frozen=True)
class PortfolioFigures:
    totals: list[CurrencyTotals]
    board: Dashboard | None  # in the currency most accounts keep; None for an empty book
    migration: Migration | None


def portfolio_figures(conn: Connection, as_of: date, company_code: str | None = None) -> PortfolioFigures:
    totals = portfolio_totals(conn, as_of, company_code)
    # The breakdowns are in the currency most accounts keep (sums across currencies mean nothing).
    main = max(totals, key=lambda c: c.customers).currency if totals else None
    board = dashboard(conn, main, as_of) if main else None
    return PortfolioFigures(totals, board, grade_migration(conn))


def _money(money: Money | None) -> int:
    assert money is not None
    return money.minor


def _shares(lines: list[Share]) -> list[list[Any]]:
    return [[line.label, line.customers, line.exposure.minor, line.share] for line in lines]


def to_body(figures: PortfolioFigures) -> dict[str, Any]:
    """The figures as JSON (amounts in minor units)."""
    board, migration = figures.board, figures.migration
    return {
        "totals": [
            {
                "currency": c.currency,
                "customers": c.customers,
                "limit": _money(c.total_limit),
                "receivables": _money(c.receivables),
                "reserved": _money(c.reserved),
                "overdue": _money(c.overdue),
                "ageing": {label: money.minor for label, money in c.ageing.items()},
            }
            for c in figures.totals
        ],
        "board": None
        if board is None
        else {
            "currency": board.currency,
            "grades": _shares(board.grades),
            "industries": _shares(board.industries),
            "countries": _shares(board.countries),
            "groups": _shares(board.groups),
            "alerts": board.alerts,
        },
        "migration": None
        if migration is None
        else {
            "since": migration.since.isoformat(),
            "until": migration.until.isoformat(),
            "counts": [[a, b, n] for a, row in migration.counts.items() for b, n in row.items()],
        },
    }


def from_body(body: dict[str, Any]) -> PortfolioFigures:
    """The figures of :func:`to_body`'s JSON, as the live queries make them."""
    totals = []
    for c in body["totals"]:
        ccy = c["currency"]
        totals.append(
            CurrencyTotals(
                ccy,
                c["customers"],
                Money.from_minor(c["limit"], ccy),
                Money.from_minor(c["receivables"], ccy),
                Money.from_minor(c["reserved"], ccy),
                Money.from_minor(c["overdue"], ccy),
                {label: Money.from_minor(minor, ccy) for label, minor in c["ageing"].items()},
            )
        )
    board = body["board"]
    if board is not None:
        ccy = board["currency"]

        def shares(lines: list[list[Any]]) -> list[Share]:
            return [Share(label, count, Money.from_minor(minor, ccy), share) for label, count, minor, share in lines]

        board = Dashboard(
            ccy,
            shares(board["grades"]),
            shares(board["industries"]),
            shares(board["countries"]),
            shares(board["groups"]),
            board["alerts"],
        )
    migration = body["migration"]
    if migration is not None:
        counts: dict[int, dict[int, int]] = {}
        for a, b, n in migration["counts"]:
            counts.setdefault(a, {})[b] = n
        migration = Migration(date.fromisoformat(migration["since"]), date.fromisoformat(migration["until"]), counts)
    return PortfolioFigures(totals, board, migration)
