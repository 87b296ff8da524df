"""Collections on fakes: promises to pay and the dunning run's level moves."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

import pandas as pd
import pytest

from creditdesk.adapters.clock import FixedClock
from creditdesk.domain.collections import Promise, PromiseStatus
from creditdesk.domain.documents import Invoice
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.service.collections import positions, run_dunning
from creditdesk.service.collections import record_promise as record_promise_as
from creditdesk.service.errors import Conflict, Forbidden, InvalidInput, NotFound
from creditdesk.service.receivables import LedgerFrames
from tests.fakes import Books, FakeUnitOfWork

# An analyst records them (the service refuses a role that may not write documents).
record_promise = partial(record_promise_as, role=Role.ANALYST)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


@pytest.fixture
def debtor(books: Books) -> Books:
    books.open_account("C1", "10000.00")
    books.open_account("C2", "10000.00")
    FakeUnitOfWork(books).receivables.add_invoice(
        Invoice("I1", "C1", date(2026, 1, 1), date(2026, 2, 28), eur("400.00"))
    )
    return books


def promise(promise_id: str, amount: str = "400.00", invoice_id: str | None = None) -> Promise:
    return Promise(promise_id, "C1", eur(amount), date(2026, 4, 10), date(2026, 3, 31), invoice_id, recorded_by="col1")


def test_a_promise_is_kept_once_and_the_same_one_again_is_a_no_op(debtor: Books, clock: FixedClock) -> None:
    stored, new = record_promise(FakeUnitOfWork(debtor), clock, promise("PR1", invoice_id="I1"))
    assert new and debtor.promises["PR1"] == stored
    assert record_promise(FakeUnitOfWork(debtor), clock, promise("PR1", invoice_id="I1")) == (stored, False)
    with pytest.raises(Conflict, match="other terms"):
        record_promise(FakeUnitOfWork(debtor), clock, promise("PR1", "300.00", invoice_id="I1"))
    assert [action for _, action, _, _ in debtor.audit] == ["collections.promise"]


def test_a_promise_is_refused_when_it_does_not_fit_the_account(debtor: Books, clock: FixedClock) -> None:
    with pytest.raises(InvalidInput, match="account currency"):
        record_promise(
            FakeUnitOfWork(debtor),
            clock,
            Promise("PR1", "C1", Money.of("1", "USD"), date(2026, 4, 10), date(2026, 3, 31)),
        )
    with pytest.raises(InvalidInput, match="not an invoice of 'C1'"):
        record_promise(FakeUnitOfWork(debtor), clock, promise("PR2", invoice_id="NOPE"))
    with pytest.raises(NotFound):
        record_promise(
            FakeUnitOfWork(debtor), clock, Promise("PR3", "C9", eur("1"), date(2026, 4, 10), date(2026, 3, 31))
        )
    assert not debtor.promises and not debtor.audit


def frames_of(books: Books) -> LedgerFrames:
    rows = [
        {
            "invoice_id": i.invoice.invoice_id,
            "customer_id": i.invoice.customer_id,
            "currency": i.invoice.amount.currency,
            "invoice_date": pd.Timestamp(i.invoice.invoice_date),
            "due_date": pd.Timestamp(i.invoice.due_date),
            "amount_minor": i.invoice.amount.minor,
            "disputed": i.disputed,
        }
        for i in books.invoices.values()
    ]
    allocations = pd.DataFrame(columns=["invoice_id", "applied_on", "amount_minor", "kind"]).astype(
        {"amount_minor": "int64", "applied_on": "datetime64[ns]"}
    )
    customers = pd.DataFrame({"customer_id": sorted(books.accounts), "segment": "standard"})
    return LedgerFrames(pd.DataFrame(rows), allocations, customers)


def test_dunning_moves_by_the_age_of_the_oldest_item_and_a_broken_promise(debtor: Books, clock: FixedClock) -> None:
    factory = partial(FakeUnitOfWork, debtor)
    as_of = clock.today()  # I1 is 31 days past due: level 3
    first = run_dunning(positions(frames_of(debtor), as_of), factory, clock, as_of)
    assert [(c["customer_id"], c["before"], c["after"]) for c in first.changes] == [("C1", 0, 3)]
    assert (debtor.accounts["C1"].dunning_level, debtor.accounts["C1"].dunning_since) == (3, as_of)
    assert [c.rule for c in debtor.recorded] == ["DUNNING"]
    assert (
        run_dunning(positions(frames_of(debtor), as_of), factory, clock, as_of).changes == []
    )  # the same day again: nothing

    record_promise(FakeUnitOfWork(debtor), clock, promise("PR1"))
    later = as_of + timedelta(days=20)  # past the promised day and its grace, no cash: broken
    broken = run_dunning(positions(frames_of(debtor), later), factory, clock, later)
    assert broken.promises["broken"] == ["PR1"] and debtor.promises["PR1"].status is PromiseStatus.BROKEN
    assert [(c["before"], c["after"]) for c in broken.changes] == [(3, 4)]


def test_a_role_that_may_not_write_documents_records_no_promise(debtor: Books, clock: FixedClock) -> None:
    for role in (Role.VIEWER, Role.SALES):
        with pytest.raises(Forbidden):
            record_promise_as(FakeUnitOfWork(debtor), clock, promise("PR1", invoice_id="I1"), role)
    assert not debtor.promises and not debtor.audit


def test_a_first_run_on_a_large_book_moves_its_levels_a_few_hundred_to_a_transaction(
    books: Books, clock: FixedClock
) -> None:
    """450 moves in three transactions (200, 200, 50), each move audited. A customer gone from
    the books in the second refuses that transaction whole: the first's 200 moves stay, none of
    the second's is half-written, and the run stops there."""
    from creditdesk.service.collections import MOVES_PER_TRANSACTION, Position

    ids = [f"C{n:03d}" for n in range(450)]
    for cid in ids:
        books.open_account(cid, "1000.00")
    found = {cid: Position(cid, "EUR", 40, 100_00) for cid in ids}
    committed: list[FakeUnitOfWork] = []

    def factory() -> FakeUnitOfWork:
        uow = FakeUnitOfWork(books)
        original = uow.commit
        uow.commit = lambda: (original(), committed.append(uow))[0]  # type: ignore[method-assign]
        return uow

    as_of = clock.today()
    run = run_dunning(found, factory, clock, as_of)
    assert MOVES_PER_TRANSACTION == 200 and len(committed) == 3
    assert len(run.changes) == 450 and all(books.accounts[cid].dunning_level == 3 for cid in ids)
    assert sum(action == "collections.dunning" for _, action, _, _ in books.audit) == 450

    gone = {**{cid: Position(cid, "EUR", 70, 100_00) for cid in ids}, "C250x": Position("C250x", "EUR", 70, 1)}
    with pytest.raises(NotFound):
        run_dunning(gone, factory, clock, as_of)
    moved = [cid for cid in ids if books.accounts[cid].dunning_level == 4]
    assert moved == ids[:200]  # the first transaction's; the second's rolled back whole
