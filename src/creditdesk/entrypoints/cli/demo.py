"""The demo: a generated portfolio loaded through the same importers a customer would use."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sqlalchemy import case, event, func, inspect, select

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.migrate import upgrade
from creditdesk.adapters.db.queries import table_counts
from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import Services
from creditdesk.demo import make_portfolio
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.cli import demo_cycle
from creditdesk.entrypoints.cli.output import err
from creditdesk.entrypoints.portfolio_views import PortfolioViews, dashboard_views
from creditdesk.entrypoints.worker.events_jobs import leave_failed_deliveries, relay_until_idle
from creditdesk.entrypoints.worker.notify_jobs import make_notifications
from creditdesk.service.accounts import SetGroupLimit, set_group_limit
from creditdesk.service.audit import seal_audit_trail
from creditdesk.service.auth import add_user
from creditdesk.service.errors import Conflict, InvalidInput
from creditdesk.service.notifications import CONSUMER as NOTIFICATIONS
from creditdesk.service.scoring import score_portfolio

if TYPE_CHECKING:
    from creditdesk.risk.features.customer import SourceTables

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


class Steps:
    """The build's progress: one line per step with its time on stderr (a terminal or not, e.g.
    ``demo: imported invoices (69,207 rows) 12.3 s``), and each step's seconds for the summary."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._started = time.perf_counter()

    def done(self, step: str, detail: str = "") -> None:
        now = time.perf_counter()
        took = round(now - self._started, 1)
        self._started = now
        self.seconds[step] = round(self.seconds.get(step, 0.0) + took, 1)
        line = f"demo: {step}{f' ({detail})' if detail else ''} {took:.1f} s\n"
        err.file.write(line)
        err.file.flush()


def build_demo(
    services: Services,
    *,
    customers: int,
    months: int,
    seed: int,
    as_of: date,
    show_progress: bool,
    lang: str = "en",
) -> dict[str, Any]:
    steps = Steps()
    _fresh_database(services)
    upgrade(services.engine)
    _seals_of_another_trail_aside(services)
    portfolio = make_portfolio(customers, months, seed, as_of=as_of, lang=lang)
    selling = _add_company_codes(services, portfolio)
    folder = services.settings.var_dir / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    steps.done("generated the portfolio", f"{customers:,} customers, {months} months")
    problems: list[str] = []
    with (
        _quick_commits(services),
        Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err,
            disable=not show_progress,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("demo", total=len(IMPORT_ORDER))
        for kind in IMPORT_ORDER:
            progress.update(task, description=kind)
            path = folder / f"{kind}.csv"
            frame = getattr(portfolio, kind)
            frame.to_csv(path, index=False)
            report = import_file(kind, path, services.engine, services.clock, actor="demo", role=Role.ADMIN)
            problems.extend(str(p) for p in report.errors[:20])
            steps.done(f"imported {kind}", f"{len(frame):,} rows")
            if not report.ok:
                break
            progress.advance(task)
    if problems:
        return {"problems": problems, "steps": steps.seconds}
    for username, role in DEMO_USERS:
        with suppress(Conflict):  # the users of an earlier build stay
            add_user(username, DEMO_PASSWORD, role, services.uow(), services.hasher, "demo", language=lang)
    with _quick_commits(services):
        pooled = _pool_groups(services, lang)
        steps.done("users and the groups' pooled limits", f"{pooled} groups")
        tables = services.scoring_store().source_tables()  # the ledger as imported: the cycle moves none of it
        steps.done("loaded the source tables")
        summary_scoring = _score(services, as_of, steps, tables)
        views = PortfolioViews(services)
        cycle = _run_cycle(services, as_of, steps, tables, views, lang)
        # The segments' limits follow the totals the policy and the cycle left.
        segments = _segment_limits(services, selling, lang)
        steps.done("credit segments in the company codes", f"{segments} segments")
    # One after another, not in a thread beside the scoring: LightGBM (the cash forecast's payment
    # model) trained in a second thread while the first fits the scorecards crashed the process.
    started = time.perf_counter()
    for view in dashboard_views(as_of):  # the dashboard opens complete; the rest fill when asked
        views.refresh(view)
    snapshot_seconds = round(time.perf_counter() - started, 1)
    steps.done("computed the dashboard's panels")
    problems.extend(_seal(services))
    with services.engine.connect() as conn:
        counts = table_counts(conn)
    steps.done("sealed the audit trail")
    return {
        **counts,
        "payments": counts["payments"],
        "as_of": as_of.isoformat(),
        "seed": seed,
        "lang": lang,
        "months": months,
        "data_dir": str(folder),
        "problems": problems,
        **summary_scoring,
        "group_pools": pooled,
        "snapshot_seconds": snapshot_seconds,
        "cycle": cycle,
        "attention": demo_cycle.attention(services, as_of),
        "steps": steps.seconds,
    }


def _run_cycle(
    services: Services, as_of: date, steps: Steps, tables: SourceTables, views: PortfolioViews, lang: str = "en"
) -> dict[str, Any]:
    """The book as months of the daily cycle leave it (see :mod:`creditdesk.entrypoints.cli.demo_cycle`)."""
    days = demo_cycle.checkpoints(as_of)
    cycle: dict[str, Any] = demo_cycle.policy_limits(services, days[0], lang)
    steps.done(f"limits set by the policy on {days[0]}", f"{cycle['limits_by_policy']} set, "
               f"{cycle['limits_requested_by_policy']} requested")  # fmt: skip
    monitored: dict[str, dict[str, int]] = {}
    for day in days:
        run = demo_cycle.monitor(services, day, tables)
        monitored[day.isoformat()] = run.by_rule()
        steps.done(f"monitor on {day}", f"{len(run.changes)} changes")
        if day < as_of:
            reviewed = demo_cycle.complete_reviews(services, day, lang)
            cycle["reviews_completed"] = cycle.get("reviews_completed", 0) + reviewed
            steps.done(f"reviews on {day}", f"{reviewed} completed")
    cycle["monitor"] = monitored
    # The desk goes live here: the feed so far is history (no one is told of it); what follows,
    # the waiting requests and held orders, tells the people who may decide them (the bell).
    relay_until_idle(services)
    services.notification_store().save([], consumer=NOTIFICATIONS, position=services.event_store().head_position())
    cycle.update(demo_cycle.waiting_requests(services, as_of, lang))
    steps.done("limit requests waiting", f"{sum(v for k, v in cycle.items() if k.startswith('requests_for_'))}")
    cycle["dunning_changes"] = demo_cycle.dunning(services, views.frames(as_of), as_of)
    steps.done("dunning run", f"{cycle['dunning_changes']} level changes")
    cycle.update(demo_cycle.held_orders(services, as_of, lang))
    steps.done("orders held", f"{sum(v for k, v in cycle.items() if k.startswith(('held_', 'release_')))}")
    cycle["failed_webhook_deliveries"] = leave_failed_deliveries(services)
    steps.done("webhook deliveries", f"{cycle['failed_webhook_deliveries']} failed")
    told = make_notifications(services)
    cycle["notifications"] = told["notifications"] + told["webhook_notifications"]
    steps.done("notifications", f"{cycle['notifications']} on the demo users' bells")
    return cycle


@contextmanager
def _quick_commits(services: Services) -> Iterator[None]:
    """A demo's SQLite database commits without waiting for the disk while it is built (a crash
    loses a demo that is rebuilt anyway): thousands of small transactions, each one flush less.
    The served database keeps the engine's own ``synchronous=FULL``."""
    engine = services.engine
    if engine.dialect.name != "sqlite":
        yield
        return

    def relaxed(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    engine.dispose()
    event.listen(engine, "connect", relaxed)
    try:
        yield
    finally:
        event.remove(engine, "connect", relaxed)
        engine.dispose()


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


def _add_company_codes(services: Services, portfolio: Any) -> list[str]:
    """The demo's two selling entities; a few customers' documents name them (the rest are the
    one company's). The customers chosen."""
    from creditdesk.demo.company_codes import DEMO_COMPANY_CODES, tag_company_codes
    from creditdesk.domain.company_codes import CompanyCode
    from creditdesk.service.segments import AddCompanyCode, add_company_code

    for code, name, currency in DEMO_COMPANY_CODES:
        company = CompanyCode(code, name, currency, "CN" if code.startswith("SH") else "HK")
        add_company_code(AddCompanyCode(company, "demo", Role.ADMIN), services.uow(), services.clock)
    return tag_company_codes(portfolio)


def _segment_limits(services: Services, customers: list[str], lang: str = "en") -> int:
    """Each chosen customer's limit in each company code: 60 % of its total limit (the two
    together may pass the total: the total binds then), each opening with what its documents
    carry; some are already used beyond it, as the check will then say."""
    from creditdesk.demo.company_codes import DEMO_COMPANY_CODES
    from creditdesk.service.segments import SetSegmentLimit, set_segment_limit

    opened = 0
    with services.read_uow() as uow:
        totals = {cid: uow.credit_accounts.account(cid, services.clock.today(), lock=False) for cid in customers}
    for customer_id, account in totals.items():
        if account is None or account.limit <= 0:
            continue
        share = Money.from_minor(account.limit * 6 // 10, account.currency)
        for code, _, _ in DEMO_COMPANY_CODES:
            limit = SetSegmentLimit(
                customer_id, code, share, demo_cycle.text(lang, "segment_share"), "demo", Role.ADMIN
            )
            set_segment_limit(limit, services.uow(), services.clock)
            opened += 1
    return opened


def _pool_groups(services: Services, lang: str = "en") -> int:
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
        command = SetGroupLimit(group_id, amount, demo_cycle.text(lang, "pooled"), "demo", Role.ADMIN)
        set_group_limit(command, services.uow(), services.clock)
    return len(pools)


def _score(services: Services, as_of: date, steps: Steps, tables: SourceTables) -> dict[str, Any]:
    """Score the demo portfolio; a portfolio too small to learn from is left unscored, and said so."""
    try:
        run = score_portfolio(
            services.scoring_store(),
            services.uow(),
            services.settings.var_dir / "models",
            as_of,
            actor="demo",
            clock=services.clock,
            tables=tables,
        )
        steps.done("scored the portfolio", f"{run.customers:,} customers, model {run.champion}")
        # The quarter before, back-scored by the same champion: the dashboard's grade migration.
        score_portfolio(
            services.scoring_store(),
            services.uow(),
            services.settings.var_dir / "models",
            as_of - PREVIOUS_QUARTER,
            actor="demo",
            clock=services.clock,
            tables=tables,
        )
    except InvalidInput as error:
        err.print(f"[yellow]not scored:[/yellow] {error.detail}")
        steps.done("not scored")
        return {"scored": 0, "scoring_skipped": error.detail}
    steps.done("scored the quarter before", str(as_of - PREVIOUS_QUARTER))
    return {"scored": run.customers, "model_version": run.champion, "grades": run.as_json()["grades"]}
