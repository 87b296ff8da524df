"""The import page: upload a file, see its line-by-line problems or its counts, then confirm.

The same importer as ``creditdesk import`` (adapters/importing/pipeline.py ``import_file``): the
upload is checked first with a dry run (nothing written: every problem with its line, column and
code, or the counts), then imported in one transaction on confirmation, or nothing at all. Who
imports: those who may write documents (analysts and above, as the API's document writes); credit
limits in a customers file are set within the importer's authority, beyond it they become limit
requests (the importer applies it, with the user's role).

Between the dry run and the confirmation the file waits in ``var/imports/`` under a random name
with a record of who uploaded it, its kind and its SHA-256. The confirmation names the upload by
that random token, which must also be one of this session's (a signed cookie), the same user's,
and of the same content (the hash is checked again): no one confirms another person's upload.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from creditdesk.adapters.importing.pipeline import ImportReport, import_file, known_kinds
from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import ServicesDep
from creditdesk.entrypoints.web.deps import UiDep, form_permitted, permitted
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service.auth import Principal

_PAGE = "/imports"
router = APIRouter(include_in_schema=False)

Importer = Annotated[Principal, permitted(Permission.WRITE_DOCUMENTS)]
ImportsForm = Annotated[Principal, form_permitted(Permission.WRITE_DOCUMENTS, _PAGE)]

SUFFIXES = (".csv", ".xlsx", ".jsonl")
KEPT_SECONDS = 24 * 3600  # an upload not confirmed within a day is removed
PROBLEMS_SHOWN = 500  # the page lists the first ones; the count is of all
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_SESSION_KEY = "imports"  # this session's uploads waiting for confirmation: token -> kind
_SESSION_KEPT = 5


def _folder(services: Services) -> Path:
    folder = services.settings.var_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _max_bytes(services: Services) -> int:
    return services.settings.upload_max_bytes


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sweep(folder: Path) -> None:
    """Remove uploads left unconfirmed for more than KEPT_SECONDS."""
    cutoff = time.time() - KEPT_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


def _paths(folder: Path, token: str) -> tuple[Path, Path] | None:
    """The upload and its record, when the token names one of the right form."""
    if not _TOKEN.match(token):
        return None
    for suffix in SUFFIXES:
        data = folder / f"{token}{suffix}"
        if data.exists():
            return data, folder / f"{token}.json"
    return None


def _page(request: Request, ui: Ui, services: Services, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("report", None)
    context.setdefault("chosen_kind", "customers")
    return ui.render(
        request,
        "imports.html",
        status=status,
        kinds=known_kinds(),
        max_mb=_max_bytes(services) // (1024 * 1024),
        suffixes=", ".join(SUFFIXES),
        **context,
    )


def _view(report: ImportReport, name: str) -> dict[str, Any]:
    """What the page shows of a report: the problems (the upload named as the user named it), or the counts."""
    problems = [
        {
            "file": name,
            "line": p.line,
            "column": p.column,
            "code": p.code.value,
            "message": p.message,
            "severity": p.severity.value,
        }
        for p in report.problems[:PROBLEMS_SHOWN]
    ]
    return {
        "ok": report.ok,
        "dry_run": report.dry_run,
        "kind": report.kind,
        "file": name,
        "rows": report.rows,
        # A dry run checks and counts what is stored already; the rest of a clean file is new.
        "inserted": report.rows - report.unchanged - report.changed if report.dry_run else report.inserted,
        "unchanged": report.unchanged,
        "changed": report.changed,
        "protected": report.protected,
        "errors": len(report.errors) + report.more_problems,
        "problems": problems,
        "more": max(0, len(report.problems) - PROBLEMS_SHOWN) + report.more_problems,
    }


@router.get(_PAGE, response_class=HTMLResponse)
async def imports_page(request: Request, _user: Importer, services: ServicesDep, ui: UiDep) -> Response:
    return _page(request, ui, services)


@router.post(_PAGE + "/check", response_class=HTMLResponse)
async def check(
    request: Request,
    user: ImportsForm,
    services: ServicesDep,
    ui: UiDep,
    file: Annotated[UploadFile, File()],
    kind: str = Form(..., max_length=32),
) -> Response:
    """Store the upload under a random name and run the dry run; a clean file gets a confirm form."""
    if kind not in known_kinds():
        return _page(request, ui, services, status=400, error="imp_bad_kind")
    name = Path(file.filename or "").name[:200]
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        return _page(request, ui, services, status=400, error="imp_bad_suffix", chosen_kind=kind)
    folder = _folder(services)
    await run_in_threadpool(_sweep, folder)
    token = secrets.token_urlsafe(24)
    data = folder / f"{token}{suffix}"
    limit, size = _max_bytes(services), 0
    digest = hashlib.sha256()
    with data.open("xb") as out:
        while chunk := await file.read(1 << 20):
            size += len(chunk)
            if size > limit:
                break
            digest.update(chunk)
            out.write(chunk)
    if size > limit:
        data.unlink(missing_ok=True)
        return _page(request, ui, services, status=413, error="imp_too_large", chosen_kind=kind)
    sha = digest.hexdigest()
    record = {"user": user.name, "kind": kind, "name": name, "sha256": sha, "size": size}
    (folder / f"{token}.json").write_text(json.dumps(record))
    report = await run_in_threadpool(
        lambda: import_file(kind, data, services.engine, services.clock, dry_run=True, actor=user.name, role=user.role)
    )
    if not report.ok:  # nothing to confirm: the file goes
        data.unlink(missing_ok=True)
        (folder / f"{token}.json").unlink(missing_ok=True)
        return _page(request, ui, services, report=_view(report, name), chosen_kind=kind)
    pending = dict(request.session.get(_SESSION_KEY) or {})
    pending[token] = kind
    request.session[_SESSION_KEY] = dict(list(pending.items())[-_SESSION_KEPT:])
    return _page(request, ui, services, report=_view(report, name), token=token, sha256=sha, chosen_kind=kind)


@router.post(_PAGE + "/confirm", response_class=HTMLResponse)
async def confirm(
    request: Request,
    user: ImportsForm,
    services: ServicesDep,
    ui: UiDep,
    token: str = Form(..., max_length=64),
    sha256: str = Form(..., max_length=64),
) -> Response:
    """Import the upload the dry run checked: this session's, this user's, the same bytes."""
    folder = _folder(services)
    pending = dict(request.session.get(_SESSION_KEY) or {})
    found = _paths(folder, token) if token in pending else None
    record: dict[str, Any] = {}
    if found is not None:
        try:
            record = json.loads(found[1].read_text())
        except (OSError, ValueError):
            found = None
    if (
        found is None
        or record.get("user") != user.name
        or record.get("kind") != pending.get(token)
        or not secrets.compare_digest(str(record.get("sha256")), sha256)
        or not secrets.compare_digest(await run_in_threadpool(_sha256, found[0]), sha256)
    ):
        Ui.flash(request, "imp_expired", "error")
        return RedirectResponse(_PAGE, status_code=303)
    pending.pop(token, None)
    request.session[_SESSION_KEY] = pending
    data, meta = found
    try:
        report = await run_in_threadpool(
            lambda: import_file(
                str(record["kind"]), data, services.engine, services.clock, actor=user.name, role=user.role
            )
        )
    finally:
        data.unlink(missing_ok=True)
        meta.unlink(missing_ok=True)
    return _page(request, ui, services, report=_view(report, str(record["name"])), chosen_kind=record["kind"])
