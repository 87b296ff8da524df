"""Credit applications in the browser, and the notes and attachments forms of the customer page.

``/applications``: the list (by status) and the form to submit one with its documents
(multipart, the session's CSRF token); ``/applications/{id}``: the proposal and its working, the
documents and notes, and the approve, reject and withdraw forms. The same services as the API
decide who may: the submitter never approves, authority and four eyes as in docs/applications.md.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from creditdesk.adapters.attachment_files import LocalAttachmentFiles
from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Permission, Role
from creditdesk.entrypoints.api.deps import ServicesDep
from creditdesk.entrypoints.api.notes import download, read_upload
from creditdesk.entrypoints.web import listing
from creditdesk.entrypoints.web.deps import UiDep, form_permitted, permitted
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service.applications import (
    STATEMENT_REQUIRED,
    DecideApplication,
    SubmitApplication,
    decidable_by,
    decide_application,
    get_application,
    list_applications,
    submit_application,
    withdraw_application,
)
from creditdesk.service.auth import Principal
from creditdesk.service.errors import NotFound, ServiceError
from creditdesk.service.notes import (
    Upload,
    WriteNote,
    attach,
    attachment_content,
    attachments_for,
    notes_for,
    write_note,
)

router = APIRouter(include_in_schema=False)
_LIST = "/applications"
STATUSES = ("pending", "approved", "rejected", "withdrawn")

Seller = Annotated[Principal, form_permitted(Permission.CHECK, _LIST)]
Reader = Annotated[Principal, permitted(Permission.READ)]
Files = Annotated[list[UploadFile] | None, File()]


def _files(services: Services) -> LocalAttachmentFiles:
    return LocalAttachmentFiles(services.settings.var_dir / "attachments")


async def _store(services: Services, user: Principal, kind: str, subject_id: str, files: list[UploadFile]) -> int:
    limit = services.settings.attachment_max_bytes
    stored = 0
    for file in files:
        if not file.filename:
            continue  # an empty file input
        data = await read_upload(file, limit)
        upload = Upload(kind, subject_id, file.filename, data, user.name, user.role)
        await run_in_threadpool(attach, services.uow(), _files(services), upload, services.clock, limit)
        stored += 1
    return stored


@router.get(_LIST, response_class=HTMLResponse)
async def applications(request: Request, user: Reader, services: ServicesDep, ui: UiDep, status: str = "") -> Response:
    chosen = status if status in STATUSES else None
    found = await run_in_threadpool(list_applications, services.read_uow(), chosen)
    window = listing.read(request.query_params, _LIST, _APPLICATIONS, {"status": chosen or ""}).apply(
        _APPLICATIONS, found
    )
    return ui.render(
        request,
        "applications.html",
        rows=window.rows,
        window=window,
        chosen_status=chosen or "",
        statuses=STATUSES,
        statement_fields=STATEMENT_REQUIRED,
        may_submit=user.role.at_least(Role.SALES),
    )


# Sorting, a search and paging of the applications list (web/listing.py).
_APPLICATIONS: listing.Spec[Any] = listing.Spec(
    sorts={
        "submitted": lambda a: (a.submitted_on, a.application_id),
        "requested": lambda a: a.requested_limit.amount,
        "name": lambda a: a.name.casefold(),
    },
    default_sort="submitted",
    default_descending=True,
    search=lambda a: [a.application_id, a.name, a.customer_id or ""],
)


def _text(value: str) -> str | None:
    return value.strip() or None


@router.post(_LIST)
async def submit(
    request: Request,
    user: Seller,
    services: ServicesDep,
    customer_id: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    currency: Annotated[str, Form()] = "CNY",
    segment: Annotated[str, Form()] = "new",
    country: Annotated[str, Form()] = "",
    industry: Annotated[str, Form()] = "",
    registered_on: Annotated[str, Form()] = "",
    group_id: Annotated[str, Form()] = "",
    requested_limit: Annotated[str, Form()] = "",
    requested_terms_days: Annotated[str, Form()] = "30",
    expected_monthly_sales: Annotated[str, Form()] = "",
    period_end: Annotated[str, Form()] = "",
    provider: Annotated[str, Form()] = "",
    report_date: Annotated[str, Form()] = "",
    score: Annotated[str, Form()] = "",
    bureau_pd: Annotated[str, Form()] = "",
    bureau_limit: Annotated[str, Form()] = "",
    file: Files = None,
) -> Response:
    """Submit with the documents; any refusal comes back as a message on the list page."""
    form = await request.form()
    try:
        statements: list[dict[str, Any]] = []
        if period_end.strip():
            row: dict[str, Any] = {"period_end": period_end.strip(), "currency": currency}
            for field in STATEMENT_REQUIRED:
                row[field] = str(form.get(field, "") or "")
            statements.append(row)
        bureau: list[dict[str, Any]] = []
        if provider.strip():
            report: dict[str, Any] = {"provider": provider.strip(), "report_date": report_date.strip()}
            report["score"] = int(score) if score.strip().lstrip("-").isdigit() else score
            report["pd"] = float(bureau_pd) if bureau_pd.strip() else None
            if bureau_limit.strip():
                report.update(recommended_limit=bureau_limit.strip(), currency=currency)
            bureau.append(report)
        terms = int(requested_terms_days) if requested_terms_days.strip().isdigit() else -1
        cmd = SubmitApplication(
            customer_id=customer_id.strip(),
            name=name,
            currency=currency,
            requested_limit=requested_limit,
            requested_terms_days=terms,
            actor=user.name,
            role=user.role,
            segment=segment,
            group_id=_text(group_id),
            country=_text(country),
            industry=_text(industry),
            registered_on=date.fromisoformat(registered_on) if registered_on.strip() else None,
            expected_monthly_sales=_text(expected_monthly_sales),
            financials=statements,
            bureau=bureau,
        )
        made = await run_in_threadpool(submit_application, cmd, services.uow(), services.clock)
    except ServiceError as error:
        Ui.flash(request, "app_refused", "error", detail=error.detail)
        return RedirectResponse(_LIST, status_code=303)
    except ValueError as error:
        Ui.flash(request, "app_refused", "error", detail=str(error)[:200])
        return RedirectResponse(_LIST, status_code=303)
    page = f"{_LIST}/{made.application_id}"
    try:
        await _store(services, user, "application", made.application_id, file or [])
    except ServiceError as error:
        Ui.flash(request, "app_refused", "error", detail=error.detail)
        return RedirectResponse(page, status_code=303)
    Ui.flash(request, "app_submitted", id=made.application_id)
    return RedirectResponse(page, status_code=303)


@router.get(_LIST + "/{application_id}", response_class=HTMLResponse)
async def application(
    request: Request, user: Reader, services: ServicesDep, ui: UiDep, application_id: str
) -> Response:
    def load() -> dict[str, Any] | None:
        try:
            found = get_application(services.read_uow(), application_id)
        except NotFound:
            return None
        return {
            "app": found,
            "files": attachments_for(services.read_uow(), "application", application_id),
            "notes": notes_for(services.read_uow(), "application", application_id),
        }

    data = await run_in_threadpool(load)
    if data is None:
        return ui.not_found(request)
    app = data["app"]
    return ui.render(
        request,
        "application.html",
        **data,
        decidable=decidable_by(app, user.name, user.role),
        may_withdraw=app.status.value == "pending" and app.submitted_by == user.name,
        may_write=user.role.at_least(Role.ANALYST) or app.submitted_by == user.name,
    )


def _back(application_id: str) -> str:
    return f"{_LIST}/{application_id}"


async def _act(request: Request, application_id: str, call: Any) -> Response:
    try:
        done = await run_in_threadpool(call)
    except ServiceError as error:
        Ui.flash(request, "app_refused", "error", detail=error.detail)
    else:
        if done is not None:
            Ui.flash(request, "app_approved_flash", id=application_id, status=done.status.value)
    return RedirectResponse(_back(application_id), status_code=303)


@router.post(_LIST + "/{application_id}/approve")
async def approve(
    request: Request,
    user: Seller,
    services: ServicesDep,
    application_id: str,
    limit: Annotated[str, Form()] = "",
    terms_days: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    terms = int(terms_days) if terms_days.strip().isdigit() else None
    cmd = DecideApplication(application_id, True, user.name, user.role, comment, limit.strip() or None, terms)
    return await _act(request, application_id, lambda: decide_application(cmd, services.uow(), services.clock))


@router.post(_LIST + "/{application_id}/reject")
async def reject(
    request: Request, user: Seller, services: ServicesDep, application_id: str, comment: Annotated[str, Form()] = ""
) -> Response:
    cmd = DecideApplication(application_id, False, user.name, user.role, comment)
    return await _act(request, application_id, lambda: decide_application(cmd, services.uow(), services.clock))


@router.post(_LIST + "/{application_id}/withdraw")
async def withdraw(request: Request, user: Seller, services: ServicesDep, application_id: str) -> Response:
    return await _act(
        request,
        application_id,
        lambda: withdraw_application(application_id, user.name, user.role, services.uow(), services.clock),
    )


async def _note(
    request: Request, user: Principal, services: Services, kind: str, subject: str, body: str, back: str
) -> Response:
    try:
        await run_in_threadpool(
            write_note, WriteNote(kind, subject, body, user.name, user.role), services.uow(), services.clock
        )
    except ServiceError as error:
        Ui.flash(request, "notes_refused", "error", detail=error.detail)
    else:
        Ui.flash(request, "notes_saved")
    return RedirectResponse(back, status_code=303)


async def _upload(
    request: Request, user: Principal, services: Services, kind: str, subject: str, files: list[UploadFile], back: str
) -> Response:
    try:
        count = await _store(services, user, kind, subject, files)
    except ServiceError as error:
        Ui.flash(request, "notes_refused", "error", detail=error.detail)
    else:
        Ui.flash(request, "notes_files_saved", count=str(count))
    return RedirectResponse(back, status_code=303)


@router.post(_LIST + "/{application_id}/notes")
async def application_note(
    request: Request, user: Seller, services: ServicesDep, application_id: str, body: Annotated[str, Form()] = ""
) -> Response:
    return await _note(request, user, services, "application", application_id, body, _back(application_id))


@router.post(_LIST + "/{application_id}/attachments")
async def application_files(
    request: Request, user: Seller, services: ServicesDep, application_id: str, file: Files = None
) -> Response:
    return await _upload(request, user, services, "application", application_id, file or [], _back(application_id))


@router.post("/customers/{customer_id}/notes")
async def customer_note(
    request: Request, user: Seller, services: ServicesDep, customer_id: str, body: Annotated[str, Form()] = ""
) -> Response:
    return await _note(request, user, services, "customer", customer_id, body, f"/customers/{customer_id}#notes")


@router.post("/customers/{customer_id}/attachments")
async def customer_files(
    request: Request, user: Seller, services: ServicesDep, customer_id: str, file: Files = None
) -> Response:
    return await _upload(
        request, user, services, "customer", customer_id, file or [], f"/customers/{customer_id}#notes"
    )


@router.get("/attachments/{attachment_id}")
async def attachment_download(
    request: Request, user: Reader, services: ServicesDep, ui: UiDep, attachment_id: str
) -> Response:
    """The file as a download for a signed-in reader (``attachment``, ``nosniff``)."""
    try:
        record, data = await run_in_threadpool(
            attachment_content, services.read_uow(), _files(services), attachment_id, user.role
        )
    except ServiceError:
        return ui.not_found(request)
    return download(record, data)
