"""Notes and attachments over HTTP (docs/applications.md, "Notes and attachments").

One scheme for every subject (customer, application, dispute, request):

- ``POST /api/v1/notes`` (JSON ``subject_kind``, ``subject_id``, ``body``) and the shortcut
  ``POST /api/v1/customers/{customer_id}/notes`` (JSON ``body``); ``GET /api/v1/notes?q=`` searches.
- ``POST /api/v1/attachments`` (multipart: ``subject_kind``, ``subject_id``, one or more ``file``)
  and the shortcut ``POST /api/v1/customers/{customer_id}/attachments``; ``GET /api/v1/attachments``
  lists; ``GET /api/v1/attachments/{id}/content`` downloads (``Content-Disposition: attachment``).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from creditdesk.adapters.attachment_files import LocalAttachmentFiles
from creditdesk.adapters.importing.fields import ID_PATTERN
from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import PrincipalDep, ServicesDep, require
from creditdesk.entrypoints.api.models import declared
from creditdesk.entrypoints.api.problems import PROBLEM_JSON, PROBLEM_SCHEMA
from creditdesk.entrypoints.api.schemas import Id, IdInPath, IdInQuery, RequestBody
from creditdesk.service.auth import Principal
from creditdesk.service.notes import (
    MAX_NOTE_CHARS,
    AttachmentRecord,
    TooLarge,
    Upload,
    WriteNote,
    attach,
    attachment_content,
    attachments_for,
    notes_for,
    write_note,
)

router = APIRouter(prefix="/api/v1")

TOO_LARGE = {
    413: {
        "description": "The file is larger than attachment_max_bytes",
        "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
    }
}


def attachment_files(services: Services) -> LocalAttachmentFiles:
    return LocalAttachmentFiles(services.settings.var_dir / "attachments")


class NoteBody(RequestBody):
    body: str = Field(min_length=1, max_length=MAX_NOTE_CHARS)


class NoteCreate(NoteBody):
    subject_kind: str = Field(pattern="^(customer|application|dispute|request)$")
    subject_id: Id


class NoteOut(BaseModel):
    note_id: int
    subject_kind: str
    subject_id: str
    customer_id: str | None
    body: str
    author: str
    created_at: str


class NotesOut(BaseModel):
    notes: list[NoteOut]
    count: int


class AttachmentOut(BaseModel):
    attachment_id: str
    subject_kind: str
    subject_id: str
    customer_id: str | None
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: str
    download: str


class AttachmentsOut(BaseModel):
    attachments: list[AttachmentOut]
    count: int


async def note_response(
    services: Services, principal: Principal, kind: str, subject_id: str, body: str
) -> JSONResponse:
    cmd = WriteNote(kind, subject_id, body, principal.name, principal.role)
    note = await run_in_threadpool(write_note, cmd, services.uow(), services.clock)
    return declared(note.as_json(), 201)


@router.post("/notes", status_code=201, dependencies=[require(Permission.CHECK)], response_model=NoteOut)
async def post_note(body: NoteCreate, services: ServicesDep, principal: PrincipalDep) -> JSONResponse:
    """A note on a customer, credit application, dispute or limit request (analyst and up; sales
    on their own application or request)."""
    return await note_response(services, principal, body.subject_kind, body.subject_id, body.body)


@router.post(
    "/customers/{customer_id}/notes",
    status_code=201,
    dependencies=[require(Permission.WRITE_DOCUMENTS)],
    response_model=NoteOut,
)
async def post_customer_note(
    customer_id: IdInPath, body: NoteBody, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """A note on the customer, in its timeline (analyst and up)."""
    return await note_response(services, principal, "customer", customer_id, body.body)


@router.get("/notes", dependencies=[require(Permission.READ)], response_model=NotesOut)
async def get_notes(
    services: ServicesDep,
    q: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00-\x1f]*$")] = None,
    subject_kind: Annotated[str | None, Query(pattern="^(customer|application|dispute|request)$")] = None,
    subject_id: IdInQuery = None,
    customer_id: IdInQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> JSONResponse:
    """Notes, newest first; ``q``: case-insensitive text in the note, its subject's or customer's id."""
    found = await run_in_threadpool(notes_for, services.read_uow(), subject_kind, subject_id, customer_id, q, limit)
    return declared({"notes": [n.as_json() for n in found], "count": len(found)})


async def read_upload(file: UploadFile, max_bytes: int) -> bytes:
    """The file's bytes, refused as soon as it grows past the limit (never read whole first)."""
    chunks, size = [], 0
    while chunk := await file.read(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"{file.filename or 'the file'} is larger than {max_bytes:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def store_uploads(
    services: Services, principal: Principal, kind: str, subject_id: str, files: list[UploadFile]
) -> list[AttachmentRecord]:
    limit = services.settings.attachment_max_bytes
    store = attachment_files(services)
    stored = []
    for file in files:
        data = await read_upload(file, limit)
        upload = Upload(kind, subject_id, file.filename or "file", data, principal.name, principal.role)
        stored.append(await run_in_threadpool(attach, services.uow(), store, upload, services.clock, limit))
    return stored


@router.post(
    "/attachments",
    status_code=201,
    dependencies=[require(Permission.CHECK)],
    response_model=AttachmentsOut,
    responses=TOO_LARGE,  # type: ignore[arg-type]
)
async def post_attachments(
    services: ServicesDep,
    principal: PrincipalDep,
    subject_kind: Annotated[str, Form(pattern="^(customer|application|dispute|request)$")],
    subject_id: Annotated[str, Form(min_length=1, max_length=64, pattern=ID_PATTERN)],
    file: Annotated[list[UploadFile], File(description="one or more files")],
) -> JSONResponse:
    """Files on a subject (multipart): PDF, PNG, JPEG, CSV, text, XLSX, DOCX; programs refused."""
    stored = await store_uploads(services, principal, subject_kind, subject_id, file)
    return declared({"attachments": [a.as_json() for a in stored], "count": len(stored)}, 201)


@router.post(
    "/customers/{customer_id}/attachments",
    status_code=201,
    dependencies=[require(Permission.WRITE_DOCUMENTS)],
    response_model=AttachmentsOut,
    responses=TOO_LARGE,  # type: ignore[arg-type]
)
async def post_customer_attachments(
    customer_id: IdInPath,
    services: ServicesDep,
    principal: PrincipalDep,
    file: Annotated[list[UploadFile], File(description="one or more files")],
) -> JSONResponse:
    stored = await store_uploads(services, principal, "customer", customer_id, file)
    return declared({"attachments": [a.as_json() for a in stored], "count": len(stored)}, 201)


@router.get("/attachments", dependencies=[require(Permission.READ)], response_model=AttachmentsOut)
async def get_attachments(
    services: ServicesDep,
    subject_kind: Annotated[str | None, Query(pattern="^(customer|application|dispute|request)$")] = None,
    subject_id: IdInQuery = None,
    customer_id: IdInQuery = None,
) -> JSONResponse:
    found = await run_in_threadpool(attachments_for, services.read_uow(), subject_kind, subject_id, customer_id)
    return declared({"attachments": [a.as_json() for a in found], "count": len(found)})


def download(record: AttachmentRecord, data: bytes) -> Response:
    """The bytes as a download the browser never renders inline nor sniffs into another type."""
    ascii_name = record.filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(record.filename)}"
    return Response(
        data,
        media_type=record.content_type,
        headers={
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/attachments/{attachment_id}/content",
    dependencies=[require(Permission.READ)],
    response_class=Response,
    include_in_schema=False,  # a download, not a JSON body: documented in docs/applications.md
)
async def get_attachment_content(attachment_id: IdInPath, services: ServicesDep, principal: PrincipalDep) -> Response:
    """The file, as a download (``Content-Disposition: attachment``, ``nosniff``)."""
    record, data = await run_in_threadpool(
        attachment_content, services.read_uow(), attachment_files(services), attachment_id, principal.role
    )
    return download(record, data)


def attachment_list(items: list[Any]) -> list[dict[str, Any]]:
    return [a.as_json() for a in items]
