"""The demo: a generated portfolio loaded through the same importers a customer would use."""

from __future__ import annotations

import shutil
import time
from contextlib import suppress
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sqlalchemy import case, func, inspect, select

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.migrate import upgrade
from creditdesk.adapters.db.queries import table_counts
from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import Services
from creditdesk.demo import make_portfolio
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.cli.output import err
from creditdesk.entrypoints.portfolio_views import PortfolioViews, dashboard_views
from creditdesk.service.accounts import SetGroupLimit, set_group_limit
from creditdesk.service.audit import seal_audit_trail
from creditdesk.service.auth import add_user
from creditdesk.service.errors import Conflict, InvalidInput
from creditdesk.service.scoring import score_portfolio

DEMO_PASSWORD = "creditdesk-demo"
DEMO_USERS = [
    ("admin", Role.ADMIN),
    ("manager", Role.MANAGER),
    ("manager2", Role.MANAGER),
    ("analyst", Role.ANALYST),
    ("sales", Role.SALES),
    ("viewer", Role.VIEWER),
]
# Parents before children: groups before customers, invoices before the payments that settle them.
IMPORT_ORDER = ["groups", "customers", "financials", "bureau", "credit_support", "orders", "invoices", "payments"]


def _fresh_database(services: Services) -> None:
    """A demo starts from an empty database; an existing SQLite file is kept aside, never deleted."""
    engine = services.engine
    if "customers" not in inspect(engine).get_table_names():
        return
    with engine.connect() as conn:
        if not table_counts(conn)["customers"]:
            return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database:
        raise Conflict("the database already holds customers; the demo needs an empty database")
    engine.dispose()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for suffix in ("", "-wal", "-shm"):
        path = Path(database + suffix)
        if path.exists():
            shutil.move(str(path), f"{database}.{stamp}.bak{suffix}")
    err.print(f"the previous database was kept as {database}.{stamp}.bak")


def build_demo(
    services: Services, *, customers: int, months: int, seed: int, as_of: date, show_progress: bool
) -> dict[str, Any]:
    _fresh_database(services)
    upgrade(services.engine)
    _seals_of_another_trail_aside(services)
    portfolio = make_portfolio(customers, months, seed, as_of=as_of)
    folder = services.settings.var_dir / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        disable=not show_progress,
        transient=True,
    ) as progress:
        task = progress.add_task("demo", total=len(IMPORT_ORDER))
        for kind in IMPORT_ORDER:
            progress.update(task, description=kind)
            path = folder / f"{kind}.csv"
            getattr(portfolio, kind).to_csv(path, index=False)
            report = import_file(kind, path, services.engine, services.clock, actor="demo", role=Role.ADMIN)
            problems.extend(str(p) for p in report.errors[:20])
            if not report.ok:
                break
            progress.advance(task)
    pooled = _pool_groups(services) if not problems else 0
    summary_scoring = _score(services, as_of) if not problems else {}
    started = time.perf_counter()
    views = PortfolioViews(services)
    for view in dashboard_views(as_of):  # the dashboard opens complete; the rest fill when asked
        views.refresh(view)
    snapshot_seconds = round(time.perf_counter() - started, 1)
    for username, role in DEMO_USERS:
        with suppress(Conflict):  # the users of an earlier build stay
            add_user(username, DEMO_PASSWORD, role, services.uow(), services.hasher, "demo")
    problems.extend(_seal(services))
    with services.engine.connect() as conn:
        counts = table_counts(conn)
    return {
        **counts,
        "payments": counts["payments"],
        "as_of": as_of.isoformat(),
        "seed": seed,
        "months": months,
        "data_dir": str(folder),
        "problems": problems,
        **summary_scoring,
        "group_pools": pooled,
        "snapshot_seconds": snapshot_seconds,
    }


def _seals_of_another_trail_aside(services: Services) -> None:
    """Seals of an earlier database (kept aside, or deleted) would fail this one's verification."""
    seals = services.audit_seals().path
    with services.read_uow() as uow:
        empty = uow.audit.is_empty()
    if empty and seals.exists():
        aside = seals.with_name(f"{seals.name}.{datetime.now().strftime('%Y%m%d-%H%M%S')}.bak")
        shutil.move(str(seals), str(aside))
        err.print(f"the previous database's audit seals were kept as {aside}")


def _seal(services: Services) -> list[str]:
    """Seal the demo's audit trail, as cron would (docs/audit.md)."""
    sealing = seal_audit_trail(services.read_uow(), services.audit_seals(), services.clock)
    return [f"audit trail not sealed: {breach}" for breach in sealing.breaches]


PREVIOUS_QUARTER = timedelta(days=91)
POOL_MEMBERS = 3  # groups of at least this many customers get a pooled limit in the demo


def _pool_groups(services: Services) -> int:
    """Pooled limits for the demo's groups without subgroups whose customers keep one currency:
    what the members were granted, or use if more, rounded up to 10,000, so the pool binds new
    exposure, never what the members' own limits allow today."""
    c, k, g = t.customers, t.credit_accounts, t.customer_groups
    used = k.c.receivable_minor + k.c.reserved_minor + k.c.delivered_minor
    granted = func.sum(case((used > k.c.limit_minor, used), else_=k.c.limit_minor))
    parents = select(g.c.parent_group_id).where(g.c.parent_group_id.is_not(None))
    query = (
        select(c.c.group_id, func.min(k.c.currency), granted)
        .select_from(c.join(k, k.c.customer_id == c.c.customer_id))
        .where(c.c.group_id.is_not(None), c.c.group_id.not_in(parents))
        .group_by(c.c.group_id)
        .having(func.count() >= POOL_MEMBERS, func.count(func.distinct(k.c.currency)) == 1)
    )
    with services.engine.connect() as conn:
        pools = conn.execute(query).all()
    for group_id, currency, minor in pools:
        step = Money(Decimal(10_000), currency).minor
        amount = Money.from_minor(-(-int(minor) // step) * step, currency)
        command = SetGroupLimit(group_id, amount, "demo: the members' limits pooled", "demo", Role.ADMIN)
        set_group_limit(command, services.uow(), services.clock)
    return len(pools)


def _score(services: Services, as_of: date) -> dict[str, Any]:
    """Score the demo portfolio; a portfolio too small to learn from is left unscored, and said so."""
    try:
        run = score_portfolio(
            services.scoring_store(),
            services.uow(),
            services.settings.var_dir / "models",
            as_of,
            actor="demo",
            clock=services.clock,
        )
        # The quarter before, back-scored by the same champion: the dashboard's grade migration.
        score_portfolio(
            services.scoring_store(),
            services.uow(),
            services.settings.var_dir / "models",
            as_of - PREVIOUS_QUARTER,
            actor="demo",
            clock=services.clock,
        )
    except InvalidInput as error:
        err.print(f"[yellow]not scored:[/yellow] {error.detail}")
        return {"scored": 0, "scoring_skipped": error.detail}
    return {"scored": run.customers, "model_version": run.champion, "grades": run.as_json()["grades"]}
