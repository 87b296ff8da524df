"""The demo: a generated portfolio loaded through the same importers a customer would use."""

from __future__ import annotations

import shutil
from contextlib import suppress
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sqlalchemy import inspect

from creditdesk.adapters.db.migrate import upgrade
from creditdesk.adapters.db.queries import table_counts
from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.cli.output import err
from creditdesk.risk.portfolio import make_portfolio
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
            report = import_file(kind, path, services.engine, services.clock, actor="demo")
            problems.extend(str(p) for p in report.errors[:20])
            if not report.ok:
                break
            progress.advance(task)
    summary_scoring = _score(services, as_of) if not problems else {}
    for username, role in DEMO_USERS:
        with suppress(Conflict):  # the users of an earlier build stay
            add_user(username, DEMO_PASSWORD, role, services.uow(), services.hasher, "demo")
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
    }


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
    except InvalidInput as error:
        err.print(f"[yellow]not scored:[/yellow] {error.detail}")
        return {"scored": 0, "scoring_skipped": error.detail}
    return {"scored": run.customers, "model_version": run.champion, "grades": run.as_json()["grades"]}
