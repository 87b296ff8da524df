"""Large invoice files the bulk way, on SQLite and PostgreSQL: what it stores is what the row-by-row
way stores, a file with a problem gets the row-by-row way's problems and writes nothing, and a
second import of a file changes nothing. Small files and blocks make the bulk way take these."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from creditdesk.adapters.clock import FixedClock
from creditdesk.adapters.db import tables as t
from creditdesk.adapters.importing import pipeline
from creditdesk.adapters.importing.bulk import plain_csv
from creditdesk.adapters.importing.pipeline import ImportReport, import_file
from creditdesk.bootstrap import Services, bootstrap
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.service.accounts import SetGroupLimit, set_group_limit
from tests.conftest import fresh_postgres
from tests.helpers import snapshot, write_csv

ROWS = 1000
HEADER = "invoice_id,customer_id,invoice_date,due_date,amount,currency,disputed,erp_note\n"
# Two customers pooled in group G1 (the group account moves too); one in yen.
CUSTOMERS = "customer_id,name,currency,group_id,credit_limit\n" + "".join(
    f"K{n:02d},Customer {n},{'JPY' if n == 2 else 'EUR'},{'G1' if n < 2 else ''},100000\n" for n in range(30)
)


def invoice_line(n: int, *, customer: int | None = None) -> str:
    """Invoice n (dates around the clock's day, 2026-03-31, so some are overdue)."""
    cid = customer if customer is not None else n % 30
    month, day = 1 + n % 12, 1 + n % 28
    amount = f"{1 + n * 7 % 5000}" if cid == 2 else f"{1 + n * 37 % 90000}.{n % 100:02d}"
    disputed = ("", "no", "yes", "TRUE", "0")[n % 5]
    return f"N{n:06d},K{cid:02d},2025-{month:02d}-{day:02d},2026-{month:02d}-{day:02d},{amount},{'JPY' if cid == 2 else 'EUR'},{disputed},note {n}\n"


def invoices(path: Path, numbers: range, *, replace: dict[int, str] | None = None) -> Path:
    lines = [(replace or {}).get(n, invoice_line(n)) for n in numbers]
    return write_csv(path, HEADER + "".join(lines))


def run(
    services: Services,
    kind: str,
    path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    bulk: bool,
    progress: list[int] | None = None,
) -> ImportReport:
    monkeypatch.setattr(pipeline, "BULK_FROM_BYTES", 0 if bulk else 1 << 60)
    tick = None if progress is None else lambda advance, total: progress.append(advance)
    return import_file(kind, path, services.engine, services.clock, role=Role.ADMIN, progress=tick)


def lines(report: ImportReport) -> list[str]:
    return [str(p) for p in report.problems]


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plain_csv, "BLOCK", 8 << 10)  # about ten blocks per file


@pytest.fixture
def twin(request: pytest.FixtureRequest, services: Services, clock: FixedClock, tmp_path: Path) -> Iterator[Services]:
    """A second database like ``services``' (same engine, migrated, empty)."""
    if services.engine.dialect.name == "sqlite":
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), tmp_path / "twin.db")
        url = f"sqlite:///{tmp_path / 'twin.db'}"
    else:
        url = fresh_postgres(
            request.getfixturevalue("pg_server"), template=request.getfixturevalue("migrated_postgres")
        )
    twin = bootstrap(url, clock=clock)
    twin.settings.var_dir = tmp_path / "twin-var"
    yield twin
    twin.engine.dispose()


def contents(services: Services) -> dict[str, list[tuple[Any, ...]]]:
    """Every table; the audit records without their MACs (each database has keys of its own)."""
    tables = snapshot(services.engine)
    del tables["audit_heads"]
    log = t.audit_log.c
    with services.engine.connect() as conn:
        tables["audit_log"] = conn.execute(
            select(log.seq, log.stream, log.stream_seq, log.at, log.actor, log.action, log.entity_id, log.payload)
        ).all()
    return tables


def schema_differences(services: Services) -> list[Any]:
    """What the database's schema lacks or has beyond the declared one: a first load drops the
    secondary indexes and foreign keys of the tables it fills (PostgreSQL, SQLite) and builds
    them again, or rolls their dropping back with everything else."""
    import warnings

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with services.engine.connect() as conn, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
        context = MigrationContext.configure(conn, opts={"compare_type": False, "compare_server_default": False})
        return list(compare_metadata(context, t.metadata))


def test_a_large_clean_file_goes_the_bulk_way_and_stores_what_the_row_way_stores(
    services: Services, twin: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers = write_csv(tmp_path / "customers.csv", CUSTOMERS)
    first = invoices(tmp_path / "first.csv", range(ROWS))
    first.write_bytes(b"\xef\xbb\xbf" + first.read_bytes().replace(b"\n", b"\n\n", 3))  # a BOM, blank lines
    # The second file repeats the last half of the first and brings as many new invoices (CRLF).
    second = invoices(tmp_path / "second.csv", range(ROWS // 2, ROWS + ROWS // 2))
    second.write_bytes(second.read_bytes().replace(b"\n", b"\r\n"))
    for db in (services, twin):
        assert run(db, "customers", customers, monkeypatch, bulk=False).ok
        pooled = SetGroupLimit("G1", Money.of("900000", "EUR"), "pooled", "admin", Role.ADMIN)
        set_group_limit(pooled, db.uow(), db.clock)
    for path, expected in ((first, (ROWS, ROWS, 0)), (second, (ROWS, ROWS // 2, ROWS // 2))):
        read: list[int] = []
        bulk = run(services, "invoices", path, monkeypatch, bulk=True, progress=read)
        assert sum(read) == path.stat().st_size  # the progress: every byte once
        rows = run(twin, "invoices", path, monkeypatch, bulk=False)
        assert bulk.bulk and not rows.bulk
        assert (bulk.rows, bulk.inserted, bulk.unchanged) == (rows.rows, rows.inserted, rows.unchanged) == expected
        assert (
            lines(bulk)
            == lines(rows)
            == [f"{path}:1:8: warning: UNKNOWN_COLUMN column 'erp_note' is not a invoices field; ignored"]
        )
        assert bulk.as_json() == rows.as_json()
        assert contents(services) == contents(twin)
        assert schema_differences(services) == []
    with services.engine.connect() as conn:
        kinds = set(conn.execute(select(t.ledger_entries.c.account_kind)).scalars())
        events = conn.execute(select(t.outbox.c.type).distinct()).scalars().all()
        numbered = conn.execute(select(t.outbox.c.stream, t.outbox.c.stream_seq)).all()
        last = dict(conn.execute(select(t.credit_accounts.c.customer_id, t.credit_accounts.c.event_seq)).all())
    assert kinds == {"customer", "group"} and events == ["import.booked"]
    # Each file's import numbered one event a customer after the account's last: 1, then 2.
    assert sorted(numbered) == sorted((cid, seq) for cid in last for seq in range(1, 3))
    assert set(last.values()) == {2}


def test_a_second_import_of_the_same_file_changes_nothing(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(services, "customers", write_csv(tmp_path / "customers.csv", CUSTOMERS), monkeypatch, bulk=True).ok
    path = invoices(tmp_path / "invoices.csv", range(ROWS))
    assert run(services, "invoices", path, monkeypatch, bulk=True).inserted == ROWS
    before = snapshot(services.engine)
    again = run(services, "invoices", path, monkeypatch, bulk=True)
    assert again.bulk and again.ok and (again.rows, again.inserted, again.unchanged) == (ROWS, 0, ROWS)
    assert snapshot(services.engine) == before


MIDDLE = ROWS // 2


@pytest.mark.parametrize(
    "replace",
    [
        pytest.param(
            {MIDDLE: invoice_line(MIDDLE).replace(".", ".1", 1)[:-1].replace(",EUR", "5,EUR") + "\n"}, id="3-decimals"
        ),
        pytest.param({MIDDLE: invoice_line(MIDDLE).replace("K", "X", 1)}, id="unknown-customer"),
        pytest.param({MIDDLE: invoice_line(7).replace("note 7", "again")}, id="id-twice-in-other-blocks"),
        pytest.param({MIDDLE: invoice_line(MIDDLE).replace("2025-", "2027-", 1)}, id="due-before-invoice-date"),
        pytest.param({MIDDLE: invoice_line(MIDDLE)[:-1] + ",extra\n"}, id="a-field-too-many"),
        pytest.param({MIDDLE: invoice_line(MIDDLE).replace("EUR", "USD")}, id="no-rate"),
        pytest.param(
            {n: f"B{n},K03,2026-03-01,2026-04-30,4000000000000.00,EUR,,\n" for n in (10, 20, 30)}, id="balance"
        ),
    ],
)
def test_a_file_with_a_problem_gets_the_row_way_problems_and_writes_nothing(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replace: dict[int, str]
) -> None:
    assert run(services, "customers", write_csv(tmp_path / "customers.csv", CUSTOMERS), monkeypatch, bulk=True).ok
    path = invoices(tmp_path / "invoices.csv", range(ROWS), replace=replace)
    before = snapshot(services.engine)
    rows = run(services, "invoices", path, monkeypatch, bulk=False)
    bulk = run(services, "invoices", path, monkeypatch, bulk=True)
    assert not bulk.ok and not bulk.bulk
    assert [p for p in lines(rows) if "UNKNOWN_COLUMN" not in p]  # the problem is found...
    assert lines(bulk) == lines(rows) and bulk.as_json() == rows.as_json()  # ...the same way
    assert snapshot(services.engine) == before
    assert schema_differences(services) == []


@pytest.mark.parametrize("changed", [True, False], ids=["changed", "repeated"])
def test_stored_invoices_changed_or_named_twice_get_the_row_way_problems(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changed: bool
) -> None:
    assert run(services, "customers", write_csv(tmp_path / "customers.csv", CUSTOMERS), monkeypatch, bulk=True).ok
    assert run(services, "invoices", invoices(tmp_path / "first.csv", range(ROWS)), monkeypatch, bulk=True).bulk
    before = snapshot(services.engine)
    # Changed: the stored invoice's amount; repeated: invoice 5 (on line 7 too), stored unchanged.
    again = invoice_line(MIDDLE).replace(".", "9.", 1) if changed else invoice_line(5)
    path = invoices(tmp_path / "again.csv", range(ROWS), replace={MIDDLE: again})
    rows = run(services, "invoices", path, monkeypatch, bulk=False)
    bulk = run(services, "invoices", path, monkeypatch, bulk=True)
    assert [p.code.value for p in rows.errors] == ["CONFLICT" if changed else "DUPLICATE_ID"]
    assert not bulk.bulk and lines(bulk) == lines(rows)
    assert snapshot(services.engine) == before


def test_a_valid_file_the_bulk_way_does_not_take_is_imported_row_by_row(
    services: Services, twin: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers = write_csv(tmp_path / "customers.csv", CUSTOMERS)
    odd = {  # spaces around values and quotes; zero decimals beyond the currency's two
        MIDDLE: f' N{MIDDLE:06d} ,"K03",2026-03-01,2026-04-30,10.00,EUR,,\n',
        MIDDLE + 1: f"N{MIDDLE + 1:06d},K03,2026-03-01,2026-04-30,10.000,EUR,,\n",
    }
    path = invoices(tmp_path / "invoices.csv", range(ROWS), replace=odd)
    assert run(services, "customers", customers, monkeypatch, bulk=True).ok
    assert run(twin, "customers", customers, monkeypatch, bulk=False).ok
    read: list[int] = []
    bulk = run(services, "invoices", path, monkeypatch, bulk=True, progress=read)
    assert bulk.ok and not bulk.bulk and bulk.inserted == ROWS
    assert min(read) < 0 and sum(read) == path.stat().st_size  # rewound, then read row by row
    assert run(twin, "invoices", path, monkeypatch, bulk=False).inserted == ROWS
    mine, theirs = contents(services), contents(twin)
    # PostgreSQL: the bulk attempt, rolled back, used up ledger entry numbers (as any rolled-back
    # insert does); the entries are the same, in the same order.
    for tables in (mine, theirs):
        tables["ledger_entries"] = [entry[1:] for entry in sorted(tables["ledger_entries"])]
    assert mine == theirs


ORDERED_HEADER = "invoice_id,customer_id,invoice_date,due_date,amount,currency,order_id,disputed,company_code\n"


def _order_code(n: int) -> str:
    return "SH01" if n % 7 == 0 else "HK01" if n % 11 == 0 else ""


def _orders(path: Path, status: dict[int, str] | None = None) -> Path:
    """Order n of invoice n's customer and amount, billed already (a few cancelled), some in a
    company code."""
    lines = []
    for n in range(ROWS):
        _, cid, day, _due, amount, currency, *_ = invoice_line(n).split(",")
        state = (status or {}).get(n, "cancelled" if n % 17 == 0 else "invoiced")
        lines.append(f"O{n:06d},{cid},{day},{amount},{currency},{state},{_order_code(n)}\n")
    return write_csv(path, "order_id,customer_id,order_date,amount,currency,status,company_code\n" + "".join(lines))


def _ordered_invoice(n: int, *, code: str | None = None) -> str:
    """Invoice n: two in three bill their order (half of those naming its company code, the rest
    taking it), one in thirteen of the others names a company code of its own."""
    invoice_id, cid, day, due, amount, currency, disputed, _note = invoice_line(n).rstrip("\n").split(",")
    order = f"O{n:06d}" if n % 3 else ""
    if code is None:
        code = (_order_code(n) if n % 2 else "") if order else ("HK01" if n % 13 == 0 else "")
    return f"{invoice_id},{cid},{day},{due},{amount},{currency},{order},{disputed},{code}\n"


def _ordered_invoices(path: Path, replace: dict[int, str] | None = None) -> Path:
    lines = [(replace or {}).get(n, _ordered_invoice(n)) for n in range(ROWS)]
    return write_csv(path, ORDERED_HEADER + "".join(lines))


def _with_orders(db: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, orders: Path) -> None:
    from creditdesk.domain.company_codes import CompanyCode
    from creditdesk.service.segments import AddCompanyCode, SetSegmentLimit, add_company_code, set_segment_limit

    assert run(db, "customers", write_csv(tmp_path / "customers.csv", CUSTOMERS), monkeypatch, bulk=False).ok
    for code in ("SH01", "HK01"):
        add_company_code(
            AddCompanyCode(CompanyCode(code, f"Seller {code}", "EUR"), "admin", Role.ADMIN), db.uow(), db.clock
        )
    assert run(db, "orders", orders, monkeypatch, bulk=False).ok
    for cid in ("K00", "K01", "K03", "K07"):  # their credit segments move with the invoices
        for code in ("SH01", "HK01"):
            limit = SetSegmentLimit(cid, code, Money.of("50000", "EUR"), "bulk test", "admin", Role.ADMIN)
            assert set_segment_limit(limit, db.uow(), db.clock).applied


def test_invoices_of_billed_orders_and_company_codes_go_the_bulk_way_as_the_row_way(
    services: Services, twin: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ERP's file names the order each invoice bills and the company code that sold it: the
    orders billed already, the bulk way stores the order, the code named or the order's, and moves
    the credit segments as the row-by-row way does; a second import changes nothing."""
    orders = _orders(tmp_path / "orders.csv")
    for db in (services, twin):
        _with_orders(db, tmp_path, monkeypatch, orders)
    path = _ordered_invoices(tmp_path / "invoices.csv")
    bulk = run(services, "invoices", path, monkeypatch, bulk=True)
    rows = run(twin, "invoices", path, monkeypatch, bulk=False)
    assert bulk.bulk and bulk.ok and not rows.bulk
    assert bulk.as_json() == rows.as_json() and bulk.inserted == ROWS
    assert contents(services) == contents(twin)
    with services.engine.connect() as conn:
        segments = conn.execute(select(func.count()).select_from(t.segment_accounts)).scalar_one()
        inherited = conn.execute(
            select(func.count()).where(t.invoices.c.company_code.is_not(None), t.invoices.c.order_id.is_not(None))
        ).scalar_one()
    assert segments > 0 and inherited > 0
    again = run(services, "invoices", path, monkeypatch, bulk=True)
    assert again.bulk and (again.inserted, again.unchanged) == (0, ROWS)
    assert contents(services) == contents(twin)


def _entries_without_ids(tables: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    """The ledger's entries as a set: the bulk way writes an invoice's release of its order after
    every invoice (the row-by-row way after each batch's); PostgreSQL's rolled-back attempts use
    up entry numbers."""
    return {**tables, "ledger_entries": sorted(entry[1:] for entry in tables["ledger_entries"])}


def test_invoices_of_open_orders_bill_them_the_bulk_way_as_the_row_way(
    services: Services, twin: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The daily file of an ERP: its invoices bill orders still open (some in a company code, one
    of another customer's order, which it does not bill): each order is invoiced and what it
    reserved released, as the row-by-row way does; the same file again changes nothing."""
    other = 5  # invoice 5 names order 5 of customer K05; the order here is K06's
    status = {n: "open" for n in range(ROWS) if n % 3 and n % 4 == 1}
    orders = _orders(tmp_path / "orders.csv", status)
    orders.write_text(orders.read_text().replace(f"O{other:06d},K05,", f"O{other:06d},K06,"))
    for db in (services, twin):
        _with_orders(db, tmp_path, monkeypatch, orders)
    path = _ordered_invoices(tmp_path / "invoices.csv")
    bulk = run(services, "invoices", path, monkeypatch, bulk=True)
    rows = run(twin, "invoices", path, monkeypatch, bulk=False)
    assert bulk.bulk and bulk.ok and not rows.bulk and bulk.as_json() == rows.as_json()
    assert _entries_without_ids(contents(services)) == _entries_without_ids(contents(twin))
    with services.engine.connect() as conn:
        still_open = set(conn.execute(select(t.orders.c.order_id).where(t.orders.c.status == "open")).scalars())
        reserved = conn.execute(select(func.sum(t.credit_accounts.c.reserved_minor))).scalar_one()
    assert still_open == {f"O{other:06d}"} and len(status) > 100
    assert reserved == conn_reserved(twin)
    again = run(services, "invoices", path, monkeypatch, bulk=True)
    assert again.bulk and (again.inserted, again.unchanged) == (0, ROWS)
    assert _entries_without_ids(contents(services)) == _entries_without_ids(contents(twin))


def conn_reserved(db: Services) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.sum(t.credit_accounts.c.reserved_minor))).scalar_one())


@pytest.mark.parametrize(
    "case",
    ["open order named twice", "another code than the order's", "a code its order has not", "unknown code"],
)
def test_an_open_order_named_twice_or_a_code_that_does_not_fit_goes_row_by_row(
    services: Services, twin: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """The negative controls: an open order two invoices name (which one bills it is the row-by-row
    way's rule), a company code other than its order's (or an order billed already in none: the
    bulk way looks up such an order only for an invoice naming a code), or no company code at all:
    the row-by-row way imports or refuses the file, with its problems, and the bulk way leaves it
    to it."""
    n = 1 if case == "a code its order has not" else 7  # it bills order 1, in no code, or 7, in SH01
    status = {n: "open"} if case == "open order named twice" else {}
    orders = _orders(tmp_path / "orders.csv", status)
    for db in (services, twin):
        _with_orders(db, tmp_path, monkeypatch, orders)
    code = {
        "open order named twice": None,
        "another code than the order's": "HK01",
        "a code its order has not": "SH01",
        "unknown code": "NOPE9",
    }[case]
    replace = {n: _ordered_invoice(n, code=code)}
    if case == "open order named twice":  # invoice 8 names order 7 too
        replace[8] = _ordered_invoice(8).replace(f"O{8:06d}", f"O{n:06d}")
    path = _ordered_invoices(tmp_path / "invoices.csv", replace)
    bulk = run(services, "invoices", path, monkeypatch, bulk=True)
    rows = run(twin, "invoices", path, monkeypatch, bulk=False)
    assert not bulk.bulk and bulk.ok == rows.ok
    assert rows.ok or rows.errors  # imported or refused, with its problems...
    assert lines(bulk) == lines(rows) and bulk.as_json() == rows.as_json()  # ...the same way
    assert _entries_without_ids(contents(services)) == _entries_without_ids(contents(twin))


@pytest.mark.parametrize(
    ("n", "field", "given"),
    [
        (10, 6, ""),  # the order it bills, left out
        (10, 3, "2027-01-10"),  # its due date
        (10, 7, "yes"),  # disputed now
        (12, 8, "SH01"),  # a company code, where it named none
    ],
    ids=["order_id", "due_date", "disputed", "company_code"],
)
def test_a_stored_invoice_given_again_with_any_field_changed_goes_row_by_row(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n: int, field: int, given: str
) -> None:
    """Each field the row-by-row way compares is compared the bulk way too (a null and a value
    differ): the file goes row by row, with its conflict, and nothing is written."""
    _with_orders(services, tmp_path, monkeypatch, _orders(tmp_path / "orders.csv"))
    assert run(services, "invoices", _ordered_invoices(tmp_path / "invoices.csv"), monkeypatch, bulk=True).bulk
    before = snapshot(services.engine)
    values = _ordered_invoice(n).rstrip("\n").split(",")
    assert values[field] != given
    values[field] = given
    path = _ordered_invoices(tmp_path / "again.csv", {n: ",".join(values) + "\n"})
    rows = run(services, "invoices", path, monkeypatch, bulk=False)
    bulk = run(services, "invoices", path, monkeypatch, bulk=True)
    assert [p.code.value for p in rows.errors] == ["CONFLICT"]
    assert not bulk.bulk and lines(bulk) == lines(rows)
    assert snapshot(services.engine) == before
