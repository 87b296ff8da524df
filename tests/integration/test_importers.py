"""Importers on SQLite and PostgreSQL: every problem reported precisely, nothing half-written."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner, Result

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.cli.main import app
from tests.helpers import CUSTOMERS, INVOICES, snapshot, write_csv, write_jsonl, write_xlsx


def run(services: Services, kind: str, path: Path, **kw):  # type: ignore[no-untyped-def]
    return import_file(kind, path, services.engine, services.clock, **kw, role=Role.ADMIN)


def load_customers_and_invoices(services: Services, tmp_path: Path) -> None:
    run(services, "customers", write_csv(tmp_path / "customers.csv", CUSTOMERS))
    run(services, "invoices", write_csv(tmp_path / "invoices.csv", INVOICES))


def lines(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(p) for p in report.problems]


def test_good_files_import_once_and_reimport_adds_nothing(services: Services, tmp_path: Path) -> None:
    customers = write_csv(tmp_path / "customers.csv", CUSTOMERS)
    invoices = write_csv(tmp_path / "invoices.csv", INVOICES)
    first = run(services, "customers", customers)
    assert first.ok and (first.rows, first.inserted, first.unchanged) == (3, 3, 0)
    assert run(services, "invoices", invoices).inserted == 3
    before = snapshot(services.engine)
    again_c = run(services, "customers", customers)
    again_i = run(services, "invoices", invoices)
    assert (again_c.inserted, again_c.unchanged, again_i.inserted, again_i.unchanged) == (0, 3, 0, 3)
    assert snapshot(services.engine) == before
    with services.read_uow() as uow:
        acct = uow.accounts.get("C1")
        yen = uow.accounts.get("C3")
    assert acct is not None and str(acct.receivable.amount) == "1500.50"
    assert str(acct.limit.amount) == "10000.00" and yen is not None and yen.limit.minor == 2_000_000
    with services.engine.connect() as conn:
        assert conn.execute(select(t.customer_groups.c.group_id)).scalars().all() == ["G1"]


def test_malformed_file_reports_every_problem_and_writes_nothing(services: Services, tmp_path: Path) -> None:
    load_customers_and_invoices(services, tmp_path)
    before = snapshot(services.engine)
    bad = write_csv(
        tmp_path / "bad.csv",
        """
invoice_id,customer_id,invoice_date,due_date,amount,currency,erp_note
I10,C1,2026-03-01,2026-03-31,100.00,EUR,ok
I11,C1,2026-02-30,2026-03-31,100.00,EUR,x
I12,C1,2026-03-01,2026-03-31,1.234,EUR,x
I13,C9,2026-03-01,2026-03-31,10.00,EUR,x
I14,C1,2026-03-01,2026-03-31,10.00,USD,x
I10,C1,2026-03-01,2026-03-31,100.00,EUR,dup
I1,C1,2026-01-01,2026-01-31,999.00,EUR,changed
I15,C1,2026-03-31,2026-03-01,10.00,EUR,x
I16,C1,2026-03-01,2026-03-31,,EUR,x
I17,C1,2026-03-01,2026-03-31,10.00,XXX,x
""",
    )
    report = run(services, "invoices", bad)
    name = str(bad)
    assert lines(report) == [
        f"{name}:1:7: warning: UNKNOWN_COLUMN column 'erp_note' is not a invoices field; ignored",
        f"{name}:3:3: BAD_DATE invoice_date: expected a real calendar date, found '2026-02-30'",
        f"{name}:4:5: BAD_AMOUNT amount: expected at most 2 decimals for EUR, found 1.234",
        f"{name}:7:1: DUPLICATE_ID expected each invoice_id once in the file, found I10 again (first on line 2)",
        f"{name}:9:4: DATE_ORDER due_date: expected a due date on or after the invoice date 2026-03-31, found 2026-03-01",
        f"{name}:10:5: MISSING_VALUE expected a value for 'amount', found none",
        f"{name}:11:6: UNKNOWN_CURRENCY currency: expected an ISO 4217 currency code such as EUR, found 'XXX'",
        f"{name}:8:1: CONFLICT I1 is already stored with different content (amount_minor); expected the same content or a new id",
        f"{name}:5:2: UNKNOWN_CUSTOMER expected a stored customer, found unknown id 'C9'",
        # A document in another currency is converted at its date's rate; without one it is refused.
        f"{name}:6:6: CURRENCY_MISMATCH expected EUR (the customer's account currency) or a currency with a rate "
        "to it; found USD with no rate from USD to EUR on or before 2026-03-01",
    ]
    assert not report.ok
    assert snapshot(services.engine) == before


def test_missing_columns_and_encoding(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(b"customer_id,name\nC1,Caf\xe9 M\xfcller\n")
    report = run(services, "customers", path)
    assert lines(report) == [
        f"{path}:1:1: MISSING_COLUMN expected a column 'currency' in the header, found: customer_id, name",
    ]
    path.write_bytes(b'customer_id,name,currency\nC1,Caf\xe9,EUR\nC2,"unclosed,EUR\n')
    report = run(services, "customers", path)
    assert lines(report)[0] == f"{path}:2:7: ENCODING expected UTF-8 text, found byte 0xe9"
    assert snapshot(services.engine)["customers"] == []


def test_unsupported_and_empty_files(services: Services, tmp_path: Path) -> None:
    txt = tmp_path / "c.txt"
    txt.write_text("x")
    assert lines(run(services, "customers", txt))[0].startswith(f"{txt}:1:1: UNSUPPORTED_FORMAT")
    empty = tmp_path / "e.csv"
    empty.write_text("")
    assert lines(run(services, "customers", empty))[0].startswith(f"{empty}:1:1: EMPTY_FILE")
    fake = tmp_path / "f.xlsx"
    fake.write_text("not a workbook")
    assert lines(run(services, "customers", fake))[0].startswith(f"{fake}:1:1: BAD_FILE")


def test_xlsx_and_jsonl(services: Services, tmp_path: Path) -> None:
    xlsx = write_xlsx(
        tmp_path / "c.xlsx",
        ["customer_id", "name", "currency", "credit_limit", "registered_on"],
        [["X1", "Xlsx Ltd", "EUR", 1234.56, "2020-01-01"], ["X2", "Bad", "EUR", "abc", None]],
    )
    report = run(services, "customers", xlsx)
    assert lines(report) == [
        f"{xlsx}:3:4: BAD_AMOUNT credit_limit: expected a decimal amount such as 1234.56, found 'abc'"
    ]
    write_xlsx(xlsx, ["customer_id", "name", "currency", "credit_limit"], [["X1", "Xlsx Ltd", "EUR", 1234.56]])
    assert run(services, "customers", xlsx).inserted == 1
    jsonl = write_jsonl(
        tmp_path / "i.jsonl",
        [
            {
                "invoice_id": "J1",
                "customer_id": "X1",
                "invoice_date": "2026-01-01",
                "due_date": "2026-01-31",
                "amount": 0.1,
                "currency": "EUR",
            },
            {
                "invoice_id": "J2",
                "customer_id": "X1",
                "invoice_date": "2026-01-01",
                "due_date": "2026-01-31",
                "amount": "abc",
                "currency": "EUR",
            },
        ],
    )
    with jsonl.open("a") as handle:
        handle.write("{not json\n")
    report = run(services, "invoices", jsonl)
    assert [(p.line, p.code.value) for p in report.problems] == [(2, "BAD_AMOUNT"), (3, "BAD_JSON")]
    assert report.problems[0].column == jsonl.read_text().splitlines()[1].index('"amount"') + 1
    write_jsonl(
        jsonl,
        [
            {
                "invoice_id": "J1",
                "customer_id": "X1",
                "invoice_date": "2026-01-01",
                "due_date": "2026-01-31",
                "amount": 0.1,
                "currency": "EUR",
            }
        ],
    )
    assert run(services, "invoices", jsonl).inserted == 1
    with services.read_uow() as uow:
        account = uow.accounts.get("X1")
    assert account is not None and account.receivable.minor == 10  # 0.1 exactly, never 0.1000000001


def test_payments_partial_unallocated_and_overpaid(services: Services, tmp_path: Path) -> None:
    load_customers_and_invoices(services, tmp_path)
    payments = write_csv(
        tmp_path / "payments.csv",
        """
payment_id,customer_id,payment_date,amount,currency,invoice_id
P1,C1,2026-02-10,400.00,EUR,I1
P2,C1,2026-02-15,700.00,EUR,
P3,C2,2024-04-02,300.00,EUR,I3
""",
    )
    report = run(services, "payments", payments)
    assert report.ok, lines(report)
    with services.engine.connect() as conn:
        open_amounts = dict(conn.execute(select(t.invoices.c.invoice_id, t.invoices.c.open_minor)).all())
        unapplied = dict(conn.execute(select(t.payments.c.payment_id, t.payments.c.unapplied_minor)).all())
        allocations = sorted(
            conn.execute(
                select(
                    t.payment_allocations.c.payment_id,
                    t.payment_allocations.c.invoice_id,
                    t.payment_allocations.c.amount_minor,
                )
            ).all()
        )
    # P1 partly pays I1; P2 (no invoice named) finishes I1 then goes to I2; P3 overpays I3.
    assert allocations == [("P1", "I1", 40000), ("P2", "I1", 60000), ("P2", "I2", 10000), ("P3", "I3", 25000)]
    assert open_amounts == {"I1": 0, "I2": 40050, "I3": 0}
    assert unapplied == {"P1": 0, "P2": 0, "P3": 5000}
    with services.read_uow() as uow:
        c1, c2 = uow.accounts.get("C1"), uow.accounts.get("C2")
    assert c1 is not None and c1.receivable.minor == 40050
    # The overpayment is a credit on account, kept apart from receivables (never negative).
    assert c2 is not None and c2.receivable.minor == 0
    with services.engine.connect() as conn:
        on_account = conn.execute(
            select(t.credit_accounts.c.unapplied_minor).where(t.credit_accounts.c.customer_id == "C2")
        ).scalar_one()
    assert on_account == 5000

    bad = write_csv(
        tmp_path / "bad_payments.csv",
        """
payment_id,customer_id,payment_date,amount,currency,invoice_id
P4,C2,2026-02-10,1.00,EUR,I1
P5,C1,2026-02-10,1.00,EUR,NOPE
""",
    )
    assert [p.code.value for p in run(services, "payments", bad).problems] == [
        "INVOICE_OF_OTHER_CUSTOMER",
        "UNKNOWN_INVOICE",
    ]


def test_dry_run_writes_nothing(services: Services, tmp_path: Path) -> None:
    before = snapshot(services.engine)
    report = run(services, "customers", write_csv(tmp_path / "c.csv", CUSTOMERS), dry_run=True)
    assert report.ok and report.rows == 3 and report.inserted == 0
    assert snapshot(services.engine) == before


def test_other_kinds(services: Services, tmp_path: Path) -> None:
    run(services, "customers", write_csv(tmp_path / "customers.csv", CUSTOMERS))
    groups = write_csv(tmp_path / "g.csv", "group_id,name,parent_group_id\nH1,Holding,\nG2,Sub,H1\nG3,Orphan,NOPE\n")
    assert [p.code.value for p in run(services, "groups", groups).problems] == ["UNKNOWN_GROUP"]
    write_csv(groups, "group_id,name,parent_group_id\nH1,Holding,\nG2,Sub,H1\n")
    assert run(services, "groups", groups).inserted == 2
    orders = write_csv(
        tmp_path / "o.csv",
        "order_id,customer_id,order_date,amount,currency,status\nO1,C1,2026-03-01,10.00,EUR,open\nO2,C1,2026-03-01,10.00,EUR,shipped\n",
    )
    assert [p.code.value for p in run(services, "orders", orders).problems] == ["BAD_VALUE"]
    fin = write_csv(
        tmp_path / "f.csv",
        (
            "customer_id,period_end,currency,revenue,total_assets,total_liabilities,current_assets,current_liabilities,"
            "equity,net_income,ebit,retained_earnings,cash\n"
            "C1,2025-12-31,USD,1000000,800000,500000,300000,200000,300000,-20000,10000,50000,40000\n"
        ),
    )
    assert run(services, "financials", fin).inserted == 1
    bureau = write_csv(
        tmp_path / "b.csv",
        (
            "customer_id,provider,report_date,score,rating,pd,recommended_limit,currency,events\n"
            "C1,bureau_a,2026-03-01,712,BBB,0.012,25000,EUR,LATE_FILING;court_judgment\n"
            "C2,bureau_a,2026-03-01,650,BB,1.5,,,\n"
        ),
    )
    assert [p.code.value for p in run(services, "bureau", bureau).problems] == ["OUT_OF_RANGE"]


# Money bounds (docs/money.md): one amount beyond MAX_MINOR minor units, or documents whose sum
# takes a balance beyond it, are problems of the file; nothing is written.

PLAIN_CUSTOMERS = "customer_id,name,currency\nC1,Acme,EUR\nY1,Yen KK,JPY\n"


def test_an_amount_beyond_the_bound_is_a_problem_at_its_line_and_column(services: Services, tmp_path: Path) -> None:
    assert run(services, "customers", write_csv(tmp_path / "customers.csv", PLAIN_CUSTOMERS)).ok
    before = snapshot(services.engine)
    bad = write_csv(
        tmp_path / "bad.csv",
        """
payment_id,customer_id,payment_date,amount,currency
P1,C1,2026-03-01,92233720368547758.07,EUR
P2,C1,2026-03-01,10000000000000.01,EUR
P3,Y1,2026-03-01,1000000000000001,JPY
P4,C1,2026-03-01,10000000000000.00,EUR
""",
    )
    report = run(services, "payments", bad)
    name = str(bad)
    assert lines(report) == [
        f"{name}:2:4: AMOUNT_TOO_LARGE amount: expected an amount of at most 1000000000000000 in any currency, "
        "found 92233720368547758.07",
        f"{name}:3:4: AMOUNT_TOO_LARGE amount: expected an amount of at most 10000000000000.00 EUR "
        "(1000000000000000 minor units), found 10000000000000.01",
        f"{name}:4:4: AMOUNT_TOO_LARGE amount: expected an amount of at most 1000000000000000 in any currency, "
        "found 1000000000000001",
    ]
    assert snapshot(services.engine) == before


def test_documents_whose_sum_passes_the_bound_of_a_balance_write_nothing(services: Services, tmp_path: Path) -> None:
    assert run(services, "customers", write_csv(tmp_path / "customers.csv", PLAIN_CUSTOMERS)).ok
    before = snapshot(services.engine)
    header = "invoice_id,customer_id,invoice_date,due_date,amount,currency\n"
    many = "".join(f"I{n},C1,2026-03-01,2026-04-30,4000000000000.00,EUR\n" for n in range(3))
    report = run(services, "invoices", write_csv(tmp_path / "many.csv", header + many))
    assert [(p.line, p.column, p.code.value) for p in report.errors] == [(1, 1, "BALANCE_TOO_LARGE")]
    assert "customer C1: the receivable balance would be 1200000000000000 minor units" in report.errors[0].message
    assert snapshot(services.engine) == before
    assert run(services, "invoices", write_csv(tmp_path / "two.csv", header + many.split("\n", 1)[1])).ok


def test_json_lines_beyond_what_json_can_hold_are_problems_not_crashes(services: Services, tmp_path: Path) -> None:
    assert run(services, "customers", write_csv(tmp_path / "customers.csv", PLAIN_CUSTOMERS)).ok
    before = snapshot(services.engine)
    path = tmp_path / "payments.jsonl"
    start = '{"customer_id": "C1", "payment_date": "2026-03-01", "currency": "EUR", "payment_id": '
    rows = [
        start + '"P1", "amount": ' + "9" * 5000 + "}",  # an integer Python's json refuses to read
        start + '"P2", "amount": 1e999999}',  # a JSON float, read exactly as a Decimal
        "[" * 100_000 + "]" * 100_000,  # nesting beyond the recursion limit
        start + '"P3\\ud800", "amount": "1.00"}',  # a lone surrogate, escaped
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = run(services, "payments", path)
    assert [(p.line, p.code.value) for p in report.errors] == [
        (1, "BAD_JSON"),
        (2, "AMOUNT_TOO_LARGE"),
        (3, "BAD_JSON"),
        (4, "BAD_ID"),
    ]
    assert snapshot(services.engine) == before


def test_the_command_exits_65_on_an_amount_beyond_the_bound(services: Services, tmp_path: Path) -> None:
    assert run(services, "customers", write_csv(tmp_path / "customers.csv", PLAIN_CUSTOMERS)).ok
    bad = write_csv(
        tmp_path / "bad.csv", "payment_id,customer_id,payment_date,amount,currency\nP1,C1,2026-03-01,1e20,EUR\n"
    )
    huge = write_csv(
        tmp_path / "huge.csv",
        "payment_id,customer_id,payment_date,amount,currency\nP1,C1,2026-03-01,92233720368547758.07,EUR\n",
    )

    def import_payments(path: Path) -> Result:
        args = ["--db", services.settings.database_url, "import", "payments", str(path)]
        return CliRunner().invoke(app, args, env={"CREDITDESK_VAR_DIR": str(services.settings.var_dir)})

    assert import_payments(bad).exit_code == 65
    result = import_payments(huge)
    assert result.exit_code == 65
    assert f"{huge}:2:4: AMOUNT_TOO_LARGE" in result.output
