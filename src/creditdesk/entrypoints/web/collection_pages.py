"""The collections page: the worklist by expected loss with level, promise, dispute and next
action, and its one-click actions.

The worklist is the API's (``GET /api/v1/collections/worklist``: service/collections.py
``open_worklist``), each line with its customer's context; sorted, filtered and paged by
web/listing.py. The actions are forms with the session's CSRF token, each run through its service
(which checks the role again): a promise to pay (``record_promise``), a dispute
(``disputes.open_dispute``) and a note (``notes.write_note``). The dunning level moves only in the
daily dunning run (``run_dunning``): there is no control here that moves it by hand.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from creditdesk.adapters.db import kept_worklist
from creditdesk.adapters.db.worklist_context import customer_context, customer_names
from creditdesk.adapters.importing import fields as f
from creditdesk.adapters.importing.problems import FieldError
from creditdesk.bootstrap import Services
from creditdesk.domain.collections import TOP_LEVEL, Promise
from creditdesk.domain.customers import Segment
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Permission, may
from creditdesk.entrypoints.api.deps import ServicesDep
from creditdesk.entrypoints.kept_lines import kept_lines, kept_run
from creditdesk.entrypoints.web import i18n, listing
from creditdesk.entrypoints.web.deps import SignedIn, UiDep, ViewsDep, form_permitted
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service import disputes
from creditdesk.service.auth import Principal
from creditdesk.service.collections import open_worklist, record_promise
from creditdesk.service.errors import InvalidInput, ServiceError
from creditdesk.service.notes import WriteNote, write_note

_PAGE = "/collections"
router = APIRouter(include_in_schema=False)

Row = dict[str, Any]
Writes = Annotated[Principal, form_permitted(Permission.WRITE_DOCUMENTS, _PAGE)]
YES_NO = ["yes", "no"]
PROMISE_DAYS = 7  # the promise form's suggested date: a week from today


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def online_spec(rows: list[Row]) -> listing.Spec[Row]:
    rank = {r["invoice_id"]: n for n, r in enumerate(rows)}
    segments = sorted({r["segment"] for r in rows if r["segment"]})
    return listing.Spec(
        sorts={
            # The worklist's own order (by the unrounded expected loss), or that upside down.
            "loss": lambda r: -rank[r["invoice_id"]],
            "days": lambda r: r["days_past_due"],
            "amount": lambda r: Decimal(r["open_amount"]),
            "due": lambda r: (r["due_date"], r["invoice_id"]),
            "level": lambda r: r["dunning_level"],
            "name": lambda r: r["name"].casefold(),
            "promised": lambda r: r["promised_on"],
        },
        default_sort="loss",
        default_descending=True,
        filters={
            "level": ([str(n) for n in range(TOP_LEVEL + 1)], lambda r: r["dunning_level"]),
            "disputed": (YES_NO, lambda r: _yes(r["disputed"])),
            "promise": (YES_NO, lambda r: _yes(r["promise_id"] is not None)),
            "segment": (segments, lambda r: r["segment"]),
            "currency": (sorted({r["currency"] for r in rows}), lambda r: r["currency"]),
        },
        search=lambda r: [r["customer_id"], r["name"], r["invoice_id"]],
    )


def _selects(spec: listing.Spec[Row], lang: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    def tr(key: str) -> str:
        return i18n.translate(key, lang)

    yes_no = [("yes", tr("coll_yes")), ("no", tr("coll_no"))]
    return [
        (
            "level",
            tr("coll_level"),
            [(v, i18n.translate("coll_level_n", lang, level=v)) for v in spec.filters["level"][0]],
        ),
        ("disputed", tr("coll_dispute"), yes_no),
        ("promise", tr("coll_promise"), yes_no),
        ("segment", tr("segment"), [(s, i18n.label("segment", s, lang)) for s in spec.filters["segment"][0]]),
        ("currency", tr("coll_currency"), [(c, c) for c in spec.filters["currency"][0]]),
    ]


@router.get(_PAGE, response_class=HTMLResponse)
async def collections_page(
    request: Request, user: SignedIn, services: ServicesDep, ui: UiDep, views: ViewsDep
) -> Response:
    day = services.clock.today()
    if views.nightly:  # a book too large to rank in the web process: the night's, in SQL
        return await _kept_page(request, user, services, ui, day)

    def load() -> list[Row]:
        # The ledger's frames as the reports keep them: loaded once while the data stands still.
        return online_rows(services, views.frames(day), day)

    rows = await run_in_threadpool(load)
    spec = online_spec(rows)
    window = listing.read(request.query_params, _PAGE, spec).apply(spec, rows)
    return await _render(request, user, services, ui, day, window, _selects(spec, Ui.language(request)), _totals(rows))


def online_rows(services: Services, frames: Any, day: date) -> list[Row]:
    """The whole worklist computed from the ledger's ``frames``, each line with its customer's
    name and segment."""
    _, policy = services.limit_inputs().active_limit_policy()
    rows = open_worklist(frames, day, policy.lgd, services.uow())
    with services.engine.connect() as conn:
        names = customer_names(conn.execution_options(readonly=True), [r["customer_id"] for r in rows])
    return [
        {
            **r,
            "name": names.get(r["customer_id"], (r["customer_id"], ""))[0],
            "segment": names.get(r["customer_id"], ("", ""))[1],
        }
        for r in rows
    ]


async def _render(
    request: Request,
    user: Principal,
    services: Services,
    ui: Ui,
    day: date,
    window: listing.Window[Row],
    selects: list[tuple[str, str, list[tuple[str, str]]]],
    overdue_total: list[tuple[str, Money, int]],
    **more: Any,
) -> Response:
    def context() -> dict[str, Any]:
        with services.engine.connect() as conn:
            return customer_context(conn.execution_options(readonly=True), [r["customer_id"] for r in window.rows], day)

    found = await run_in_threadpool(context)
    lines = [{**r, "ctx": found.get(r["customer_id"])} for r in window.rows]
    return ui.render(
        request,
        "collections.html",
        window=window,
        lines=lines,
        as_of=day,
        promise_by=(day + timedelta(days=PROMISE_DAYS)).isoformat(),
        can_act=may(user.role, Permission.WRITE_DOCUMENTS),
        selects=selects,
        reasons=disputes.REASON_CODES,
        overdue_total=overdue_total,
        **more,
    )


def kept_spec(currencies: list[str]) -> listing.Spec[Row]:
    """The kept worklist's listing: the database sorts, filters and searches (kept_worklist.page)."""
    return listing.Spec(
        sorts={key: _unsorted for key in kept_worklist.SORTS},
        default_sort="loss",
        default_descending=True,
        filters={
            "level": ([str(n) for n in range(TOP_LEVEL + 1)], _unsorted),
            "disputed": (YES_NO, _unsorted),
            "promise": (YES_NO, _unsorted),
            "segment": ([s.value for s in Segment], _unsorted),
            "currency": (currencies, _unsorted),
        },
        search=lambda _row: [],
    )


def _unsorted(_row: Row) -> None:
    return None  # the database sorts and filters the kept worklist


async def _kept_page(request: Request, user: Principal, services: Services, ui: Ui, day: date) -> Response:
    """The worklist the nightly batch kept: one window read from the database, with the dunning
    levels and the promises as they stand now."""

    kept = await run_in_threadpool(kept_run, services)
    spec = kept_spec(sorted(ccy for ccy, _, _ in kept.totals) if kept else [])
    shown = listing.read(request.query_params, _PAGE, spec)
    lang = Ui.language(request)

    def load() -> tuple[int, list[Row]]:
        return kept_window(services, shown, day) if kept is not None else (0, [])

    total, rows = await run_in_threadpool(load)
    totals = [(ccy, Money.from_minor(minor, ccy), customers) for ccy, minor, customers in kept.totals] if kept else []
    return await _render(
        request,
        user,
        services,
        ui,
        day,
        shown.window(rows, total),
        _selects(spec, lang),
        totals,
        kept=kept,
        kept_missing=kept is None,
    )


def kept_window(services: Services, shown: listing.Listing, day: date) -> tuple[int, list[Row]]:
    """How many lines of the kept worklist the listing's filters leave, and its window of them."""
    chosen = dict(shown.filters)
    query = kept_worklist.WorklistQuery(
        sort=shown.sort,
        descending=shown.descending,
        offset=shown.offset,
        limit=shown.size,
        q=shown.q,
        level=int(chosen["level"]) if "level" in chosen else None,
        disputed=chosen["disputed"] == "yes" if "disputed" in chosen else None,
        promised=chosen["promise"] == "yes" if "promise" in chosen else None,
        segment=chosen.get("segment"),
        currency=chosen.get("currency"),
    )
    return kept_lines(services, query, day)


def _totals(rows: list[Row]) -> list[tuple[str, Money, int]]:
    """The worklist's overdue amount and number of customers, per currency."""
    sums: dict[str, Decimal] = {}
    customers: dict[str, set[str]] = {}
    for r in rows:
        sums[r["currency"]] = sums.get(r["currency"], Decimal(0)) + Decimal(r["open_amount"])
        customers.setdefault(r["currency"], set()).add(r["customer_id"])
    return [(ccy, Money(sums[ccy], ccy), len(customers[ccy])) for ccy in sorted(sums)]


def _back(target: str) -> str:
    """Back to the collections list as it was (only this page's own address)."""
    return target if target.startswith(_PAGE) and "//" not in target and "\\" not in target else _PAGE


async def _act(request: Request, act: Callable[[], Any], done: str, subject: str, back: str) -> Response:
    try:
        await run_in_threadpool(act)
    except ServiceError as error:
        Ui.flash(request, "action_refused", "error", id=subject, detail=error.detail)
    except FieldError as error:  # an amount or currency that does not parse
        Ui.flash(request, "action_refused", "error", id=subject, detail=str(error))
    else:
        Ui.flash(request, done, id=subject)
    return RedirectResponse(_back(back), status_code=303)


def _amount(text: str) -> Decimal:
    try:
        return Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise InvalidInput(f"the amount must be a decimal number; got {text!r}") from None


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"the date must be YYYY-MM-DD; got {text!r}") from None


@router.post(_PAGE + "/promise")
async def promise_form(
    request: Request,
    user: Writes,
    services: ServicesDep,
    customer_id: str = Form(..., max_length=64),
    invoice_id: str = Form("", max_length=64),
    amount: str = Form(..., max_length=40),
    currency: str = Form(..., max_length=3),
    promised_on: str = Form(..., max_length=10),
    note: str = Form("", max_length=1000),
    back: str = Form(_PAGE, max_length=2000),
) -> Response:
    def act() -> Any:
        ccy = f.currency(currency)
        promise = Promise(
            promise_id=f"WEB-{secrets.token_hex(6).upper()}",
            customer_id=customer_id,
            amount=Money.from_minor(f.to_minor(_amount(amount), ccy), ccy),
            promised_on=_day(promised_on),
            made_on=services.clock.today(),
            invoice_id=invoice_id or None,
            note=note,
            recorded_by=user.name,
        )
        return record_promise(services.uow(), services.clock, promise, user.role)

    return await _act(request, act, "coll_promise_recorded", customer_id, back)


@router.post(_PAGE + "/dispute")
async def dispute_form(
    request: Request,
    user: Writes,
    services: ServicesDep,
    invoice_id: str = Form(..., max_length=64),
    reason_code: str = Form(..., max_length=32),
    amount: str = Form("", max_length=40),
    comment: str = Form("", max_length=4000),
    back: str = Form(_PAGE, max_length=2000),
) -> Response:
    def act() -> Any:
        value = _amount(amount) if amount.strip() else None
        cmd = disputes.OpenDispute(invoice_id, reason_code, user.name, user.role, value, None, None, comment)
        return disputes.open_dispute(cmd, services.uow(), services.clock)

    return await _act(request, act, "disputes_opened", invoice_id, back)


@router.post(_PAGE + "/note")
async def note_form(
    request: Request,
    user: Writes,
    services: ServicesDep,
    customer_id: str = Form(..., max_length=64),
    body: str = Form(..., max_length=20000),
    back: str = Form(_PAGE, max_length=2000),
) -> Response:
    def act() -> Any:
        return write_note(
            WriteNote("customer", customer_id, body, user.name, user.role), services.uow(), services.clock
        )

    return await _act(request, act, "coll_note_added", customer_id, back)
