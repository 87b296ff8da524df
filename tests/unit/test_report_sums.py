"""The receivables reports add up by customers: the parts of any split of a book's customers,
added, make the same rows as the whole book (what the nightly batch relies on, a bucket of
customers at a time), for ageing, the DSO family, trends and the ECL, on books with two
currencies, partial payments, credit notes, write-offs and cover."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from creditdesk.service.receivables import (
    DEFAULT_BUCKETS,
    LedgerFrames,
    add_sums,
    ageing,
    ageing_rows,
    ageing_sums,
    customers_expected_losses,
    dso,
    dso_rows,
    dso_sums,
    ecl_report,
    ecl_rows,
    provision_sums,
    trend_days,
    trend_rows,
    trends,
)

AS_OF = date(2026, 10, 31)
GROUPINGS = (None, "segment", "grade", "customer")
LGD, FALLBACK_PD = 0.45, 0.05


def _book(seed: int, customers: int = 40, invoices: int = 900) -> LedgerFrames:
    rng = np.random.default_rng(seed)
    ids = [f"C{k:03d}" for k in range(customers)]
    currency = rng.choice(["EUR", "JPY"], customers, p=[0.7, 0.3])
    owner = rng.integers(0, customers, invoices)
    issued = pd.Timestamp(AS_OF) - pd.to_timedelta(rng.integers(0, 730, invoices), unit="D")
    amount = rng.integers(1_000, 5_000_000, invoices)
    table = pd.DataFrame(
        {
            "invoice_id": [f"I{k:05d}" for k in range(invoices)],
            "customer_id": np.array(ids)[owner],
            "currency": currency[owner],
            "invoice_date": issued,
            "due_date": issued + pd.to_timedelta(rng.choice([30, 60]), unit="D"),
            "amount_minor": amount,
            "disputed": rng.random(invoices) < 0.05,
        }
    )
    paid = rng.random(invoices) < 0.8
    share = np.where(rng.random(invoices) < 0.2, rng.uniform(0.2, 0.9, invoices), 1.0)
    kind = rng.choice(["payment", "credit_note", "write_off"], invoices, p=[0.9, 0.07, 0.03])
    applied = table["invoice_date"] + pd.to_timedelta(rng.integers(5, 200, invoices), unit="D")
    allocations = pd.DataFrame(
        {
            "invoice_id": table["invoice_id"],
            "applied_on": applied,
            "amount_minor": (amount * share).astype("int64"),
            "kind": kind,
        }
    ).loc[paid & (applied <= pd.Timestamp(AS_OF))]
    adjusted = allocations.loc[allocations["kind"] != "payment"].merge(table[["invoice_id", "customer_id", "currency"]])
    adjustments = adjusted.rename(columns={"applied_on": "payment_date"})[
        ["customer_id", "currency", "payment_date", "amount_minor", "kind"]
    ]
    scored = rng.random(customers) < 0.9
    people = pd.DataFrame(
        {
            "customer_id": ids,
            "segment": rng.choice(["standard", "strategic", None], customers),
            "limit_minor": 10_000_000,
            "grade": np.where(scored, rng.integers(1, 11, customers).astype(str), None),
            "pd": np.where(scored, rng.uniform(0.001, 0.3, customers), np.nan),
        }
    )
    covered = rng.choice(customers, 8, replace=False)
    cover = pd.DataFrame(
        {
            "customer_id": np.array(ids)[covered],
            "kind": rng.choice(["insurance", "guarantee"], 8),
            "amount_minor": rng.integers(100_000, 3_000_000, 8),
            "currency": currency[covered],
            "cover_share": 0.9,
            "valid_from": AS_OF - timedelta(days=400),
            "valid_to": None,
        }
    )
    return LedgerFrames(table, allocations, people, adjustments, cover)


def _part(book: LedgerFrames, customers: set[str]) -> LedgerFrames:
    invoices = book.invoices.loc[book.invoices["customer_id"].isin(customers)]
    assert book.cover is not None
    return LedgerFrames(
        invoices,
        book.allocations.loc[book.allocations["invoice_id"].isin(invoices["invoice_id"])],
        book.customers.loc[book.customers["customer_id"].isin(customers)],
        book.adjustments.loc[book.adjustments["customer_id"].isin(customers)],
        book.cover.loc[book.cover["customer_id"].isin(customers)],
    )


def _split(book: LedgerFrames, parts: int, seed: int) -> list[LedgerFrames]:
    ids = book.customers["customer_id"].to_numpy()
    where = np.random.default_rng(seed).integers(0, parts, len(ids))
    return [_part(book, set(ids[where == k])) for k in range(parts)]


@pytest.mark.parametrize("seed", [1, 2])
def test_the_reports_of_split_customers_add_up_to_the_whole_books(seed: int) -> None:
    book = _book(seed)
    pieces = _split(book, 3, seed)
    days = trend_days(AS_OF)
    aged = [ageing_sums(piece, AS_OF, GROUPINGS) for piece in pieces]
    on_days = {day: [dso_sums(piece, day, 90, GROUPINGS) for piece in pieces] for day in days}
    for by in GROUPINGS:
        assert ageing_rows(add_sums(a[by] for a in aged), by, DEFAULT_BUCKETS) == ageing(book, AS_OF, by)
        each_day = [dso_rows(add_sums(part[by] for part in on_days[day]), day, 90, by) for day in days]
        assert each_day[-1] == dso(book, AS_OF, 90, by)
        assert trend_rows(each_day, by) == trends(book, AS_OF, by=by)
    provisions = add_sums(provision_sums(piece, AS_OF) for piece in pieces)
    losses = pd.concat([customers_expected_losses(piece, AS_OF, LGD, FALLBACK_PD) for piece in pieces])
    whole = ecl_report(book, AS_OF, 12, 1.0, LGD, FALLBACK_PD)
    assert ecl_rows(provisions, losses, AS_OF, 12, 1.0, LGD) == whole
    assert {report["currency"] for report in whole} == {"EUR", "JPY"}
    assert any(float(row["pd_lgd_ead"]) > 0 for report in whole for row in report["by_segment"])


def test_splitting_a_customers_documents_would_change_its_expected_loss() -> None:
    """The negative control: the ECL judges a customer whole (in default when any of its items is
    over 90 days late), so parts that cut through customers do not add up, and the test above,
    which cuts between them, would see it."""
    book = _book(7)
    halves = book.invoices.index.to_numpy() % 2 == 0
    cut = [
        LedgerFrames(book.invoices.loc[half], book.allocations, book.customers, book.adjustments, book.cover)
        for half in (halves, ~halves)
    ]
    provisions = add_sums(provision_sums(piece, AS_OF) for piece in cut)
    losses = pd.concat([customers_expected_losses(piece, AS_OF, LGD, FALLBACK_PD) for piece in cut])
    assert ecl_rows(provisions, losses, AS_OF, 12, 1.0, LGD) != ecl_report(book, AS_OF, 12, 1.0, LGD, FALLBACK_PD)
