"""Import 100,000 customers, then a changed master-data file, then the same file again (SQLite).

python -m bench.customer_import [--customers N] [--changed 0.15]

The changed file renames, re-segments (state_owned among them), changes terms and moves customers
between pooled groups; the customers that move have open orders, so each move takes their exposure
out of the old pools and into the new ones (ledger postings). Prints one JSON line: rows/s of each
import, what changed, and whether the ledger reconciles after.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from creditdesk.adapters.db.migrate import upgrade
from creditdesk.adapters.db.reconcile import reconcile
from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import bootstrap
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.service.accounts import SetGroupLimit, set_group_limit

HEADER = "customer_id,name,currency,segment,group_id,country,industry,payment_terms_days,credit_limit\n"
GROUPS = 200
POOLED = 40  # groups with a pooled limit (group_accounts), under two holdings


def _row(i: int, name: str, segment: str, group: str, terms: int) -> str:
    return f"C{i:07d},{name},CNY,{segment},{group},CN,manufacturing,{terms},100000.00\n"


def write_files(folder: Path, customers: int, share: float) -> tuple[Path, Path, Path, Path, dict[str, int]]:
    rng = random.Random(0)
    groups = folder / "groups.csv"
    with groups.open("w") as handle:
        handle.write("group_id,name,parent_group_id\nH1,Holding one,\nH2,Holding two,\n")
        for g in range(GROUPS):
            parent = ("H1" if g % 2 else "H2") if g < POOLED else ""
            handle.write(f"G{g:03d},Group {g},{parent}\n")
    first, second = folder / "customers.csv", folder / "customers-changed.csv"
    orders = folder / "orders.csv"
    counts = {"names": 0, "segments": 0, "state_owned": 0, "terms": 0, "group_moves": 0}
    with first.open("w") as a, second.open("w") as b, orders.open("w") as o:
        a.write(HEADER)
        b.write(HEADER)
        o.write("order_id,customer_id,order_date,amount,currency,status\n")
        for i in range(customers):
            group = f"G{i % GROUPS:03d}"
            name, segment, terms = f"Customer {i}", "standard", 30
            a.write(_row(i, name, segment, group, terms))
            if i % 3 == 0:
                o.write(f"O{i:07d},C{i:07d},2026-01-15,{rng.randint(100, 50_000)}.00,CNY,open\n")
            if rng.random() < share:
                what = rng.choice(("names", "segments", "terms", "group_moves"))
                if what == "names":
                    name = f"Customer {i} Co. Ltd."
                elif what == "segments":
                    segment = rng.choice(("state_owned", "strategic", "insured"))
                    counts["state_owned"] += segment == "state_owned"
                elif what == "terms":
                    terms = rng.choice((45, 60, 90))
                else:
                    group = f"G{(i % GROUPS + rng.randint(1, GROUPS - 1)) % GROUPS:03d}"
                counts[what] += 1
            b.write(_row(i, name, segment, group, terms))
    return groups, first, second, orders, counts


def pools_match_members(conn: Any) -> bool:
    """Every pooled group's totals equal the sum of its members' (all in CNY: rate 1), members
    being the customers whose group is it or below it, after the moves."""
    from sqlalchemy import select

    from creditdesk.adapters.db import tables as t

    parents = dict(conn.execute(select(t.customer_groups.c.group_id, t.customer_groups.c.parent_group_id)).all())
    expected: dict[str, list[int]] = {}
    a, c = t.credit_accounts, t.customers
    rows = conn.execute(
        select(c.c.group_id, a.c.receivable_minor, a.c.reserved_minor, a.c.delivered_minor).join(
            a, a.c.customer_id == c.c.customer_id
        )
    )
    for group, *values in rows:
        while group is not None:
            total = expected.setdefault(group, [0, 0, 0])
            for i, value in enumerate(values):
                total[i] += value
            group = parents.get(group)
    g = t.group_accounts
    stored = conn.execute(select(g.c.group_id, g.c.receivable_minor, g.c.reserved_minor, g.c.delivered_minor))
    return all(expected.get(gid, [0, 0, 0]) == list(values) for gid, *values in stored)


def timed(label: str, run: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--changed", type=float, default=0.15, help="share of rows changed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        groups, first, second, orders, counts = write_files(folder, args.customers, args.changed)
        services = bootstrap(f"sqlite:///{folder / 'bench.db'}")
        upgrade(services.engine)

        def run(path: Path, kind: str = "customers", **kw: Any) -> Any:
            report = import_file(kind, path, services.engine, services.clock, actor="bench", role=Role.ADMIN, **kw)
            assert report.ok, [str(p) for p in report.problems[:5]]
            return report

        run(groups, "groups")
        first_s, report = timed("first", lambda: run(first))
        assert report.inserted == args.customers
        for g in range(POOLED):
            set_group_limit(
                SetGroupLimit(f"G{g:03d}", Money.of("100000000", "CNY"), "bench", "bench", Role.ADMIN),
                services.uow(),
                services.clock,
            )
        for holding in ("H1", "H2"):
            set_group_limit(
                SetGroupLimit(holding, Money.of("900000000", "CNY"), "bench", "bench", Role.ADMIN),
                services.uow(),
                services.clock,
            )
        run(orders, "orders")
        dry_s, dry = timed("dry", lambda: run(second, dry_run=True))
        change_s, changed = timed("changed", lambda: run(second))
        again_s, again = timed("again", lambda: run(second))
        assert again.changed == 0
        with services.engine.connect() as conn:
            reconciled = reconcile(conn)
            pools_exact = pools_match_members(conn)
        services.engine.dispose()
    rows = args.customers
    print(
        json.dumps(
            {
                "benchmark": "customer_import",
                "rows": rows,
                "first_import_s": round(first_s, 1),
                "first_rows_per_s": round(rows / first_s),
                "dry_run_s": round(dry_s, 1),
                "dry_run_changes_listed": len(dry.changes),
                "change_import_s": round(change_s, 1),
                "change_rows_per_s": round(rows / change_s),
                "changed": changed.changed,
                "unchanged": changed.unchanged,
                "changes_by_kind": counts,
                "reimport_s": round(again_s, 1),
                "reimport_rows_per_s": round(rows / again_s),
                "reimport_changed": again.changed,
                "reconcile_ok": reconciled.ok,
                "pools_equal_members_sum": pools_exact,
                "ledger_entries": reconciled.entries,
            }
        )
    )


if __name__ == "__main__":
    main()
