"""The disputes worklist (``/disputes``) and the forms of the disputes and cover sections of the
customer page. Every form carries the session's CSRF token; the role is checked here (a 403 page)
and again by the service (service/disputes.py, service/cover.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from creditdesk.domain.roles import Permission, may
from creditdesk.entrypoints.api.deps import ServicesDep
from creditdesk.entrypoints.web import listing
from creditdesk.entrypoints.web.deps import SignedIn, UiDep, form_permitted
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service import cover, disputes
from creditdesk.service.auth import Principal
from creditdesk.service.errors import InvalidInput, ServiceError

_PAGE = "/disputes"
router = APIRouter(include_in_schema=False)
T = TypeVar("T")

Writes = Annotated[Principal, form_permitted(Permission.WRITE_DOCUMENTS, _PAGE)]
DecidesClaims = Annotated[Principal, form_permitted(Permission.SET_STANDING, _PAGE)]


async def _act(request: Request, act: Callable[[], T], done: str, subject: str, back: str) -> Response:
    try:
        await run_in_threadpool(act)
    except ServiceError as error:
        Ui.flash(request, "action_refused", "error", id=subject, detail=error.detail)
    else:
        Ui.flash(request, done, id=subject)
    return RedirectResponse(back, status_code=303)


def _back(request: Request, fallback: str) -> str:
    """Back to the customer page a form came from (only a local path), else ``fallback``."""
    wanted = request.query_params.get("back", "")
    return wanted if wanted.startswith("/customers/") and "//" not in wanted else fallback


def _decimal(text: str, name: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(f"{name} must be a decimal amount; got {text!r}") from None


def _day(text: str, name: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{name} must be a date YYYY-MM-DD; got {text!r}") from None


@router.get(_PAGE, response_class=HTMLResponse)
async def disputes_page(
    request: Request, user: SignedIn, services: ServicesDep, ui: UiDep, status: str = "active", sort: str = "age"
) -> Response:
    today = services.clock.today()
    try:
        rows = await run_in_threadpool(disputes.worklist, services.uow(), today, status, None, sort)
    except ServiceError:
        status, sort = "active", "age"
        rows = await run_in_threadpool(disputes.worklist, services.uow(), today, status, None, sort)
    can = may(user.role, Permission.WRITE_DOCUMENTS)
    window = listing.read(request.query_params, _PAGE, _LIST, {"status": status}).apply(_LIST, rows)
    return ui.render(request, "disputes.html", rows=window.rows, window=window, chosen=status, sort=sort, can_act=can)


def _age(row: dict[str, Any]) -> tuple[int, Decimal]:
    return -int(row["age_days"]), -Decimal(str(row["amount"]))


def _amount(row: dict[str, Any]) -> tuple[Decimal, int]:
    return -Decimal(str(row["amount"])), -int(row["age_days"])


# Paging and a search over the service's list, in the service's orders (web/listing.py).
_LIST: listing.Spec[dict[str, Any]] = listing.Spec(
    sorts={"age": _age, "amount": _amount},
    default_sort="age",
    search=lambda r: [r["dispute_id"], r["customer_id"], r["invoice_id"]],
)


@router.post(_PAGE + "/open")
async def open_form(
    request: Request,
    user: Writes,
    services: ServicesDep,
    invoice_id: str = Form(...),
    reason_code: str = Form(...),
    amount: str = Form(""),
    owner: str = Form(""),
    due_on: str = Form(""),
    comment: str = Form(""),
) -> Response:
    def act() -> Any:
        cmd = disputes.OpenDispute(
            invoice_id,
            reason_code,
            user.name,
            user.role,
            _decimal(amount, "amount"),
            owner or None,
            _day(due_on, "due_on"),
            comment,
        )
        return disputes.open_dispute(cmd, services.uow(), services.clock)

    return await _act(request, act, "disputes_opened", invoice_id, _back(request, _PAGE))


@router.post(_PAGE + "/{dispute_id}/{action}")
async def case_form(
    request: Request,
    user: Writes,
    services: ServicesDep,
    ui: UiDep,
    dispute_id: str,
    action: str,
    comment: str = Form(""),
) -> Response:
    if action not in ("review", "credited", "rejected"):
        return ui.not_found(request)

    def act() -> Any:
        if action == "review":
            cmd = disputes.ReviewDispute(dispute_id, user.name, user.role, comment)
            return disputes.review_dispute(cmd, services.uow(), services.clock)
        resolve = disputes.ResolveDispute(dispute_id, action, user.name, user.role, comment)
        return disputes.resolve_dispute(resolve, services.uow(), services.clock)

    return await _act(request, act, f"disputes_done_{action}", dispute_id, _back(request, _PAGE))


# --- the cover section's forms ------------------------------------------------------------------


@router.post("/customers/{customer_id}/cover")
async def cover_form(
    request: Request,
    user: Writes,
    services: ServicesDep,
    customer_id: str,
    kind: str = Form(...),
    provider: str = Form(...),
    amount: str = Form(...),
    currency: str = Form(...),
    valid_from: str = Form(...),
    valid_to: str = Form(""),
    cover_share: str = Form(""),
    policy_number: str = Form(""),
) -> Response:
    def act() -> Any:
        start = _day(valid_from, "valid_from")
        if start is None:
            raise InvalidInput("valid_from is required")
        cmd = cover.AddCover(
            customer_id,
            kind,
            provider,
            _decimal(amount, "amount") or Decimal(0),
            currency.strip().upper(),
            start,
            user.name,
            user.role,
            _day(valid_to, "valid_to"),
            cover_share.strip() or None,
            policy_number or None,
        )
        return cover.add_cover(cmd, services.uow(), services.clock)

    return await _act(request, act, "cover_saved", customer_id, f"/customers/{customer_id}#cover")


@router.post("/customers/{customer_id}/claims")
async def claim_form(
    request: Request,
    user: Writes,
    services: ServicesDep,
    customer_id: str,
    support_id: str = Form(...),
    amount: str = Form(...),
    note: str = Form(""),
) -> Response:
    def act() -> Any:
        parsed = _decimal(amount, "amount")
        if parsed is None:
            raise InvalidInput("amount is required")
        cmd = cover.FileClaim(support_id, parsed, user.name, user.role, note)
        return cover.file_claim(cmd, services.uow(), services.clock)

    return await _act(request, act, "cover_claim_filed", customer_id, f"/customers/{customer_id}#cover")


@router.post("/customers/{customer_id}/claims/{claim_id}")
async def decide_form(
    request: Request,
    user: DecidesClaims,
    services: ServicesDep,
    customer_id: str,
    claim_id: str,
    outcome: str = Form(...),
    paid: str = Form(""),
) -> Response:
    def act() -> Any:
        cmd = cover.DecideClaim(claim_id, outcome, user.name, user.role, _decimal(paid, "paid"))
        return cover.decide_claim(cmd, services.uow(), services.clock)

    return await _act(request, act, "cover_claim_decided", claim_id, f"/customers/{customer_id}#cover")
