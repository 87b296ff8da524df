"""One way to run a credit command: lock the account, answer a retry with its stored outcome,
act, store the outcome and commit, all in the one transaction.

Every command locks the customer's credit account (and, through the handler, the pooled-limit
groups above it) before it reads anything it decides on. The outcome is stored in the same
transaction as the change, so a crash either loses both or keeps both: a retry after a kill -9
gets the stored outcome, never a second reservation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar, cast

from creditdesk.domain.orders import OrderStateError
from creditdesk.service.errors import Conflict, NotFound
from creditdesk.service.expiry import expire_due
from creditdesk.service.ports import AccountState, Clock, UnitOfWork
from creditdesk.service.receipts import read_receipt, write_receipt
from creditdesk.service.results import Replayed

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Idempotent:
    """A command's id and the request a retry under that id must repeat exactly."""

    command_id: str
    request: dict[str, Any]

    def hash(self) -> str:
        return hashlib.sha256(json.dumps(self.request, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Locked:
    """What a handler acts on: the unit of work and the account it locked, as of one moment."""

    uow: UnitOfWork
    state: AccountState
    today: date
    at: datetime


def lock(uow: UnitOfWork, customer_id: str, today: date, at: datetime) -> AccountState:
    """Lock the account (SQLite: the writer lock; PostgreSQL: the row) and bring it up to today."""
    state = uow.credit_accounts.account(customer_id, today, lock=True)
    if state is None:
        raise NotFound(
            f"customer {customer_id!r} does not exist", code="not_found", values={"what": "customer", "id": customer_id}
        )
    if not state.overdue_is_stored:
        uow.credit_accounts.store_overdue(customer_id, state.overdue, today)
    if state.next_expiry is not None and state.next_expiry < today:
        expire_due(uow, state, today, at)
        refreshed = uow.credit_accounts.account(customer_id, today, lock=True)
        assert refreshed is not None
        state = refreshed
    return state


def run(
    uow: UnitOfWork,
    clock: Clock,
    owner: Callable[[UnitOfWork], str],
    act: Callable[[Locked], R],
    key: Idempotent | None = None,
) -> R | Replayed:
    """Run ``act`` on the locked account of ``owner`` (the customer the command concerns).

    With a ``key`` the command is idempotent: a retry with the same request gets the stored
    outcome (whatever day it comes on), with a different one a 409. An order transition the
    order's state refuses is a conflict too.
    """
    today, at = clock.today(), clock.now()
    with uow:
        state = lock(uow, owner(uow), today, at)
        if key is not None and (stored := uow.commands.outcome(key.command_id)) is not None:
            if stored.request_hash != key.hash():
                raise Conflict(f"{key.command_id} was already used with a different request")
            return cast(R | Replayed, read_receipt(stored.body))  # stored by this command's own run
        try:
            outcome = act(Locked(uow, state, today, at))
        except OrderStateError as error:
            raise Conflict(str(error)) from None
        if key is not None:
            uow.commands.save_outcome(key.command_id, key.hash(), write_receipt(outcome))
        uow.commit()
        return outcome
