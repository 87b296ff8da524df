"""Held orders: a credit controller's release or rejection, with four eyes and authority limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from creditdesk.domain.decisions import Decision, ReasonCode
from creditdesk.domain.money import Money
from creditdesk.domain.orders import Order, OrderStatus, Transition
from creditdesk.domain.roles import Permission, Role, may
from creditdesk.service.auth import refuse_non_person
from creditdesk.service.books import Change, record
from creditdesk.service.commands import Locked
from creditdesk.service.credit_check import decision_record, reserve
from creditdesk.service.errors import Conflict, Forbidden, InvalidInput
from creditdesk.service.orders import run_on_order
from creditdesk.service.ports import Clock, Posting, UnitOfWork
from creditdesk.service.results import OrderResult, Replayed


@dataclass(frozen=True, slots=True)
class ResolveOrder:
    """A credit controller's release or rejection of a held order, with the reason for it."""

    order_id: str
    actor: str
    role: Role
    comment: str
    release: bool = True


def resolve_order(cmd: ResolveOrder, uow: UnitOfWork, clock: Clock) -> OrderResult:
    if not may(cmd.role, Permission.RELEASE_ORDERS):
        raise Forbidden(
            f"role {cmd.role.value!r} may not release or reject orders",
            code="role_may_not",
            values={"role": cmd.role.value},
        )
    if not cmd.comment.strip():
        raise InvalidInput("a release or rejection needs a comment", code="comment_required")
    result = run_on_order(uow, clock, cmd.order_id, lambda tx, order: _resolve(cmd, tx, order))
    assert not isinstance(result, Replayed), "a resolution is not replayed: it has no command id"
    return result


def _resolve(cmd: ResolveOrder, tx: Locked, order: Order) -> OrderResult:
    uow, state, at = tx.uow, tx.state, tx.at
    order.require(Transition.RELEASE if cmd.release else Transition.REJECT)
    refuse_non_person(uow, cmd.actor, "releasing or rejecting an order")
    if order.submitted_by == cmd.actor:
        raise Forbidden("the person who submitted an order may not release or reject it", code="four_eyes_own_order")
    pending = order.resolution or {}
    second = order.status is OrderStatus.RELEASE_PENDING
    if second and pending.get("requested_by") == cmd.actor:
        raise Forbidden("a release needs a second approver who is not the requester", code="four_eyes_second_person")
    resolution: dict[str, Any] = {"by": cmd.actor, "role": cmd.role.value, "comment": cmd.comment, "at": at.isoformat()}
    if pending.get("requested_by"):
        resolution["requested_by"] = pending["requested_by"]
        resolution["request_comment"] = pending.get("comment")
    if not cmd.release:
        rejected = order.reject({**resolution, "action": "rejected"})
        uow.orders.save_order(rejected)
        record(uow, order.customer_id, cmd.actor, Change("order.rejected", [], resolution), at, rejected)
        return OrderResult(rejected, state.currency, rejected.decision)
    amount = Money.from_minor(order.account_minor, state.currency)
    policy = uow.reference.check_policy()

    def check(*, override: bool = False) -> tuple[Decision, list[Posting]]:
        return reserve(
            uow, state, order.order_id, amount, tx.today, order.order_date,
            valid_until=order.valid_until, override=override, company_code=order.company_code,
        )  # fmt: skip

    decision, postings = check()
    if not postings:
        if ReasonCode.CUSTOMER_BLOCKED in {r.code for r in decision.reasons}:
            raise Conflict(
                "the customer's account is blocked; unblock it before releasing orders", code="account_blocked"
            )
        if second and not policy.may_approve_release(cmd.role, amount):
            raise Forbidden(
                f"releasing {amount} is beyond the authority of role {cmd.role.value!r}",
                code="release_beyond_authority",
                values={"amount": amount, "role": cmd.role.value},
            )
        if not second and not policy.may_release(cmd.role, amount):
            request = {"requested_by": cmd.actor, "role": cmd.role.value, "comment": cmd.comment, "at": at.isoformat()}
            waiting = order.request_release(request, decision_record(decision))
            uow.orders.save_order(waiting)
            record(uow, order.customer_id, cmd.actor, Change("order.release_requested", [], request), at, waiting)
            return OrderResult(waiting, state.currency, waiting.decision, awaiting_approval=True)
        decision, postings = check(override=True)
        resolution["override"] = decision.codes
    resolution["action"] = "released"
    released = order.release(resolution, decision_record(decision))
    uow.orders.save_order(released)
    record(uow, order.customer_id, cmd.actor, Change("order.released", postings, resolution), at, released)
    return OrderResult(released, state.currency, released.decision)
