"""Server time of the web pages: python -m bench.web_pages [--url URL | --customers N] [PATH ...]

With ``--url``, signs in as the demo's admin on a running `creditdesk serve`; without it, builds a
demo portfolio of ``--customers`` (default 10,000) in a fresh SQLite database, computes its report
snapshots (`creditdesk report refresh`, timed) and serves it. Requests each page six times and
prints the milliseconds of the last five (the first warms the caches) as one JSON line. A page
whose snapshot is not computed yet is waited for first (and the wait printed).
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.timed_cli import timed_cli
from creditdesk.entrypoints.served import served

PAGES = (
    "/",
    "/customers/C000003",
    "/worklists/orders",
    "/worklists/limit-requests",
    "/worklists/reviews",
    "/policy",
    "/models",
    "/reports/aging",
    "/reports/dso?by=segment",
    "/reports/ecl",
    "/reports/cash",
    "/reports/wcr",
    "/admin",
    "/collections",  # issue 21's pages
    "/imports",
    "/operations",
    "/notifications",
    "/reports/trends",
)
PENDING = 'http-equiv="refresh"'  # a page whose snapshot is still being computed refreshes itself


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="a running server (else one is built and served)")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="creditdesk-demo")
    parser.add_argument("paths", nargs="*", default=list(PAGES))
    args = parser.parse_args(argv)
    if args.url:
        print(json.dumps({"bench": "web_pages", **_time_pages(args.url, args.user, args.password, args.paths)}))
        return
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        db = f"sqlite:///{cwd / 'creditdesk.db'}"
        built, _ = timed_cli(db, cwd, "demo", "--customers", str(args.customers), "--no-serve", "--json")
        refreshed, snapshots = timed_cli(db, cwd, "report", "refresh", "--json")
        with served(db, cwd) as url:
            pages = _time_pages(url, args.user, args.password, args.paths)
        figures = {
            "customers": args.customers,
            "demo_seconds": round(built, 1),
            "refresh_seconds": round(refreshed, 1),
            "snapshot_seconds": snapshots["seconds"],
            **pages,
        }
        print(json.dumps({"bench": "web_pages", **figures}))


def _time_pages(url: str, user: str, password: str, paths: list[str]) -> dict[str, Any]:
    timings: dict[str, list[float]] = {}
    waits: dict[str, float] = {}
    with httpx.Client(base_url=url, timeout=120) as client:
        form = client.get("/login").text
        found = re.search(r'name="csrf" value="([^"]+)"', form)
        if found is None:
            raise SystemExit("no sign-in form at /login")
        signed = client.post(
            "/login", data={"username": user, "password": password, "csrf": found.group(1), "next": "/"}
        )
        if signed.status_code != 303:
            raise SystemExit(f"sign-in refused: {signed.status_code}")
        for path in paths:
            waited = _until_computed(client, path)
            laps = []
            for _ in range(6):
                started = time.perf_counter()
                response = client.get(path)
                laps.append(round((time.perf_counter() - started) * 1000, 1))
                if response.status_code != 200:
                    raise SystemExit(f"{path}: {response.status_code}")
            timings[path] = laps[1:]
            waits[path] = waited
    return {"ms": timings, "seconds_until_computed": waits}


def _until_computed(client: httpx.Client, path: str, patience: float = 900) -> float:
    """Seconds until the page's snapshots were computed (0: they were there): the timed requests
    then measure the page as a user sees it, not its "being computed" notice."""
    started = time.perf_counter()
    while PENDING in client.get(path).text:
        if time.perf_counter() - started > patience:
            raise SystemExit(f"{path}: still being computed after {patience} s")
        time.sleep(1)
    return round(time.perf_counter() - started, 1)


if __name__ == "__main__":
    main()
