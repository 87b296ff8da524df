"""`creditdesk serve` and `creditdesk demo`: the web app and the API, on a database or a fresh demo."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from creditdesk.entrypoints.cli.context import State, json_flag, state
from creditdesk.entrypoints.cli.output import EXIT_DATA, EXIT_USAGE, err, fail, out, print_json, user_errors
from creditdesk.entrypoints.cli.scoring import as_of_date

#: On SIGTERM, how long the requests in flight may finish before they are cancelled: under the
#: 10 s a container runtime waits before its SIGKILL. A write cut short is rolled back.
GRACEFUL_SECONDS = 8


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option("--host", help="Default: CREDITDESK_HOST or 127.0.0.1.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Default: CREDITDESK_PORT or 8000.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Default: CREDITDESK_WORKERS or 1.")] = None,
) -> None:
    """Serve the web app and the API (on a schema at head: `creditdesk db upgrade` migrates)."""
    settings = state(ctx).services.settings
    _serve(state(ctx), host or settings.host, port or settings.port, workers or settings.workers)


def _serve(st: State, host: str, port: int, workers: int) -> None:
    import uvicorn

    from creditdesk.adapters.db.migrate import ensure_schema_at_head
    from creditdesk.entrypoints.metrics import prepare_multiprocess

    if st.db:
        os.environ["CREDITDESK_DATABASE_URL"] = st.db
    with user_errors():
        # Migrating is an explicit step: replicas starting together must not race to migrate.
        ensure_schema_at_head(st.services.engine)
    prepare_multiprocess(workers)  # before the workers start: they inherit the metrics folder
    trusted = st.services.settings.trust_forwarded_proto
    uvicorn.run(
        "creditdesk.entrypoints.api.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        # X-Forwarded-* only when the settings say a proxy stands in front (never by default).
        proxy_headers=trusted,
        forwarded_allow_ips="*" if trusted else None,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )


def demo_language(environ: Mapping[str, str]) -> str:
    """The demo's language when none is named: Chinese for a Chinese locale (``LC_ALL``, else
    ``LANG``, e.g. ``zh_CN.UTF-8``), English otherwise."""
    locale = environ.get("LC_ALL") or environ.get("LANG") or ""
    return "zh" if locale.lower().startswith("zh") else "en"


def demo(
    ctx: typer.Context,
    customers: Annotated[int, typer.Option("--customers", min=1)] = 2000,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    months: Annotated[int, typer.Option("--months", min=1, max=120)] = 24,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve when built.")] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The demo's day, YYYY-MM-DD; default today (reproducible when set).")
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="zh or en: the customers' names, the texts and the users' language; "
            "default zh when LC_ALL or LANG is Chinese, else en.",
        ),
    ] = None,
    parquet: Annotated[
        Path | None,
        typer.Option(
            "--parquet",
            help="Write the book as the nightly batch's Parquet inputs to this folder instead "
            "(bounded memory, any size; `batch run --inputs DIR`); no database, nothing served.",
        ),
    ] = None,
) -> None:
    """Build the demo portfolio through the importers, then serve it."""
    from creditdesk.entrypoints.cli.demo import DEMO_PASSWORD, DEMO_USERS, build_demo

    st = state(ctx)
    if parquet is not None:
        day = as_of_date(as_of) if as_of else st.services.clock.today()
        _parquet_book(parquet, customers, months, seed, day, json_flag(ctx, as_json))
        return
    language = lang or demo_language(os.environ)
    if language not in ("zh", "en"):
        fail(f"--lang is zh or en; got {language!r}", EXIT_USAGE)
    started = time.perf_counter()
    with user_errors():
        summary = build_demo(
            st.services,
            customers=customers,
            months=months,
            seed=seed,
            as_of=as_of_date(as_of) if as_of else st.services.clock.today(),
            show_progress=sys.stderr.isatty() and not os.environ.get("CI"),
            lang=language,
        )
    summary["build_seconds"] = round(time.perf_counter() - started, 1)
    if summary.get("problems"):
        for line in summary["problems"]:
            sys.stderr.write(line + "\n")
        fail("the demo data did not import cleanly", EXIT_DATA)
    url = f"http://{host}:{port}"
    summary.update(url=url, login={"username": DEMO_USERS[0][0], "password": DEMO_PASSWORD})
    if json_flag(ctx, as_json):
        print_json(summary)
    else:
        out.print(
            f"demo built in {summary['build_seconds']} s: {summary['customers']} customers, "
            f"{summary['invoices']} invoices, {summary['orders']} orders, {summary['limits_set']} limits"
        )
    if serve_after:
        err.print(
            f"creditdesk demo: open {url}  (log in as {DEMO_USERS[0][0]} / {DEMO_PASSWORD}; "
            f"other users: {', '.join(u for u, _ in DEMO_USERS[1:])}, same password)"
        )
        _serve(st, host, port, 1)


def _parquet_book(folder: Path, customers: int, months: int, seed: int, as_of: date, quiet: bool) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from creditdesk.entrypoints.cli.parquet_book import write_book

    if folder.exists() and any(folder.iterdir()):
        fail(f"{folder} is not empty: the book is written to a new folder", EXIT_USAGE)
    started = time.perf_counter()
    with (
        user_errors(),
        Progress(BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, disable=quiet) as bar,
    ):
        task = bar.add_task("chunks")

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        manifest = write_book(folder, customers, months=months, seed=seed, as_of=as_of, progress=advance)
    summary = {
        "folder": str(folder),
        "as_of": manifest.as_of.isoformat(),
        "champion": manifest.champion,
        "rows": manifest.rows,
        "seconds": round(time.perf_counter() - started, 1),
    }
    if quiet:
        print_json(summary)
        return
    out.print(
        f"wrote {customers:,} customers, {manifest.rows['invoices']:,} invoices and "
        f"{manifest.rows['payments']:,} payments as of {summary['as_of']} to {folder} in {summary['seconds']} s; "
        f"run the batch on it: creditdesk batch run --as-of {summary['as_of']} --inputs {folder}"
    )
