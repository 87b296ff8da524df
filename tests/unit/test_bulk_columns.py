"""The bulk way's checks take only what the row-by-row way takes, and read it to the same row."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditdesk.adapters.importing.bulk import NotEligible
from creditdesk.adapters.importing.bulk.invoice_columns import invoice_columns
from creditdesk.adapters.importing.kinds import KINDS
from creditdesk.adapters.importing.pipeline import ImportReport, _parse_record
from creditdesk.adapters.importing.readers import Record

HEADER = [
    "invoice_id",
    "customer_id",
    "invoice_date",
    "due_date",
    "amount",
    "currency",
    "disputed",
    "order_id",
    "company_code",
]
# Characters a plain CSV field may hold (no comma, quote or line break), odd ones among them.
ODD = st.text(alphabet=" +-.:/_0123456789aeEIsnN\u0663\u00a0\t", max_size=12)
EXPONENT = {"EUR": 2, "JPY": 0, "KWD": 3, "CLF": 4}


@st.composite
def cells(draw: st.DrawFn) -> dict[str, str]:
    """A row whose every value is, nine times in ten, one the bulk way takes (alone)."""

    def pick(good: list[str], odd: list[str]) -> str:
        if draw(st.integers(0, 9)):
            return draw(st.sampled_from(good))
        return draw(st.one_of(st.sampled_from(odd), ODD))

    currency = pick(list(EXPONENT), ["eur", "XXX", " EUR"])
    whole = draw(st.integers(0, 10**16 - 1))
    decimals = draw(st.text("0123456789", min_size=1, max_size=max(EXPONENT.get(currency, 2), 1)))
    amount = pick(
        [f"{whole}", f"{whole}.{decimals}", f"{whole:016d}", "1"] if EXPONENT.get(currency) else [f"{whole}", "1"],
        ["0", "0.00", "+1", "1.", ".5", "10000000000000.01", "1e3", " 7", "1.23456"],
    )
    return {
        "invoice_id": pick(["I1", "a.b:c/d-e_f", "x" * 64, "0"], ["x" * 65, " I1", "-I", "I\u00e91"]),
        "customer_id": pick(["C1", "c-2"], ["C 1", "C1 ", ""]),
        "invoice_date": pick(["2024-02-29", "2024-01-01", "1000-01-01"], ["2023-02-29", "0999-12-31", "2024-1-01"]),
        "due_date": pick(["2024-03-31", "9999-12-31"], ["2024-02-28", " 2024-03-31", "2024-03-31\t"]),
        "amount": amount,
        "currency": currency,
        "disputed": pick(["", "yes", "NO", "Y", "true", "0"], [" yes", "maybe", "ja"]),
        "order_id": pick(["", "O1", "o.2/x"], [" ", " O1", "O 1", "-O"]),
        "company_code": pick(["", "SH01", "HK_1"], [" ", "sh01", "SH01 ", "-X"]),
    }


def row_way(cells: dict[str, str]) -> dict[str, Any] | None:
    """What the row-by-row way makes of these cells (None: a problem)."""
    report = ImportReport(kind="invoices", file="t.csv")
    record = Record(2, dict(cells), {name: n + 1 for n, name in enumerate(HEADER)})
    return _parse_record(KINDS["invoices"](), SimpleNamespace(name="t.csv"), record, report)  # type: ignore[arg-type]  # only .name is read


@settings(max_examples=400, deadline=None)
@given(cells())
def test_what_the_bulk_way_takes_the_row_way_takes_the_same(row_cells: dict[str, str]) -> None:
    line = ",".join(row_cells[name] for name in HEADER) + "\n"
    try:
        columns = invoice_columns(line.encode(), HEADER)
    except NotEligible:
        return
    row = row_way(row_cells)
    assert row is not None, row_cells
    bulk = {name: getattr(columns, name).to_pylist()[0] for name in columns.__slots__}
    assert bulk == {
        "invoice_id": row["invoice_id"],
        "customer_id": row["customer_id"],
        "invoice_date": row["invoice_date"].isoformat(),
        "due_date": row["due_date"].isoformat(),
        "amount_minor": row["amount_minor"],
        "currency": row["currency"],
        "disputed": row["disputed"],
        "order_id": row["order_id"],
        "company_code": row["company_code"],
    }


@pytest.mark.parametrize(
    "line",
    [
        "I1,C1,2024-01-01,2024-01-31,10.50,EUR,yes,,",  # the canonical spellings
        "I1,C1,2024-01-01,2024-01-31,7,JPY,,O-7,SH01",
        "I1,C1,2024-01-01,2024-01-01,0.001,KWD,FALSE,,HK01",
    ],
)
def test_canonical_rows_are_taken(line: str) -> None:
    assert len(invoice_columns((line + "\n").encode(), HEADER)) == 1


def test_a_line_of_another_width_is_not_taken() -> None:
    with pytest.raises(NotEligible):
        invoice_columns(b"I1,C1,2024-01-01,2024-01-31,10.50,EUR,yes\n", HEADER)
