"""Notes and attachments on customers, credit applications, disputes and limit requests.

A note is plain text (at most ``MAX_NOTE_CHARS``), kept with its author and time, in the
customer's timeline and searchable. An attachment's type is read from its bytes
(``domain/attachments.sniff``): programs, scripts and markup are refused whatever the file is
called; its bytes are stored once under their sha256, its facts in ``attachments``.

Who may: every signed-in role reads; analysts and above write; a sales user may write on what
they opened themselves (their own credit application or limit request).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from creditdesk.domain.attachments import Refused, safe_filename, sniff
from creditdesk.domain.roles import Permission, Role, may
from creditdesk.service.errors import FieldProblem, Forbidden, InvalidInput, NotFound
from creditdesk.service.ports import Clock, UnitOfWork

SUBJECT_KINDS = ("customer", "application", "dispute", "request")
MAX_NOTE_CHARS = 4000


@dataclass(frozen=True, slots=True)
class NoteRecord:
    note_id: int
    subject_kind: str
    subject_id: str
    customer_id: str | None
    body: str
    author: str
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "note_id": self.note_id,
            "subject_kind": self.subject_kind,
            "subject_id": self.subject_id,
            "customer_id": self.customer_id,
            "body": self.body,
            "author": self.author,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    attachment_id: str
    subject_kind: str
    subject_id: str
    customer_id: str | None
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "attachment_id": self.attachment_id,
            "subject_kind": self.subject_kind,
            "subject_id": self.subject_id,
            "customer_id": self.customer_id,
            "filename": self.filename,
            "content_type": self.content_type,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "uploaded_by": self.uploaded_by,
            "uploaded_at": self.uploaded_at.isoformat(),
            "download": f"/api/v1/attachments/{self.attachment_id}/content",
        }


class AttachmentFiles(Protocol):
    """Where the bytes go: content-addressed (adapters/attachment_files.py)."""

    def put(self, data: bytes) -> str: ...
    def get(self, sha256: str) -> bytes: ...


def _kind(subject_kind: str) -> str:
    if subject_kind not in SUBJECT_KINDS:
        raise InvalidInput(
            f"subject_kind must be one of {', '.join(SUBJECT_KINDS)}; got {subject_kind!r}",
            [FieldProblem(("body", "subject_kind"), "BAD_VALUE", "unknown subject kind")],
        )
    return subject_kind


def _body(body: str) -> str:
    text = body.strip()
    if not text:
        raise InvalidInput("a note needs some text", [FieldProblem(("body", "body"), "REQUIRED", "empty note")])
    if len(text) > MAX_NOTE_CHARS:
        raise InvalidInput(
            f"a note holds at most {MAX_NOTE_CHARS} characters; got {len(text)}",
            [FieldProblem(("body", "body"), "TOO_LONG", f"at most {MAX_NOTE_CHARS} characters")],
        )
    if "\x00" in text:
        raise InvalidInput("a note may not contain NUL characters")
    return text


def add_note(
    uow: UnitOfWork,
    subject_kind: str,
    subject_id: str,
    customer_id: str | None,
    body: str,
    actor: str,
    *,
    at: datetime | None = None,
) -> NoteRecord:
    """Write a note inside the caller's unit of work (the caller checks who may, and commits):
    disputes' comments are written this way within the dispute's own transaction."""
    note = uow.notes.add_note(_kind(subject_kind), subject_id, customer_id, _body(body), actor, at or datetime.now(UTC))
    uow.audit.append(
        actor,
        "note.added",
        subject_kind,
        subject_id,
        {"note_id": note.note_id, "customer_id": customer_id, "length": len(note.body)},
        stream=customer_id or _orphan_stream(uow, subject_kind, subject_id),
    )
    return note


def _orphan_stream(uow: UnitOfWork, subject_kind: str, subject_id: str) -> str:
    """An application's records before its customer exists go to the stream of the customer id
    it will get, so they are in that customer's history once approved."""
    if subject_kind == "application":
        application = uow.applications.get(subject_id)
        if application is not None:
            return str(application.customer_id)
    return f"{subject_kind}:{subject_id}"


def _subject(uow: UnitOfWork, subject_kind: str, subject_id: str) -> tuple[str | None, str | None]:
    found = uow.notes.subject(_kind(subject_kind), subject_id)
    if found is None:
        raise NotFound(f"{subject_kind} {subject_id!r} does not exist")
    return found


def may_write(role: Role, actor: str, opened_by: str | None) -> bool:
    """Analysts and above; a sales user on what they opened themselves."""
    if may(role, Permission.WRITE_DOCUMENTS):
        return True
    return role.at_least(Role.SALES) and opened_by is not None and opened_by == actor


@dataclass(frozen=True, slots=True)
class WriteNote:
    subject_kind: str
    subject_id: str
    body: str
    actor: str
    role: Role


def write_note(cmd: WriteNote, uow: UnitOfWork, clock: Clock) -> NoteRecord:
    """A note on a subject that exists, by someone who may write there."""
    body = _body(cmd.body)
    with uow:
        customer_id, opened_by = _subject(uow, cmd.subject_kind, cmd.subject_id)
        if not may_write(cmd.role, cmd.actor, opened_by):
            raise Forbidden(
                f"role {cmd.role.value!r} may not add notes to this {cmd.subject_kind}",
                code="role_may_not",
                values={"role": cmd.role.value},
            )
        note = add_note(uow, cmd.subject_kind, cmd.subject_id, customer_id, body, cmd.actor, at=clock.now())
        uow.commit()
        return note


def notes_for(
    uow: UnitOfWork,
    subject_kind: str | None = None,
    subject_id: str | None = None,
    customer_id: str | None = None,
    query: str | None = None,
    limit: int = 200,
) -> list[NoteRecord]:
    """Notes, newest first: of one subject, of a customer (every subject in its timeline), or
    matching ``query`` (case-insensitive, in the text or the subject's or customer's id)."""
    if subject_kind is not None:
        _kind(subject_kind)
    if query is not None and (len(query) > 200 or "\x00" in query):
        raise InvalidInput("a search holds at most 200 characters, none of them NUL")
    with uow:
        return list(uow.notes.notes(subject_kind, subject_id, customer_id, query or None, limit))


@dataclass(frozen=True, slots=True)
class Upload:
    subject_kind: str
    subject_id: str
    filename: str
    data: bytes
    actor: str
    role: Role


def check_upload(filename: str, data: bytes, max_bytes: int) -> tuple[str, str]:
    """The file's real type and its safe name, or InvalidInput (413 for a file too large)."""
    if len(data) > max_bytes:
        raise TooLarge(f"the file is {len(data):,} bytes; at most {max_bytes:,} are accepted")
    try:
        found = sniff(data, filename)
    except Refused as error:
        raise InvalidInput(
            f"{filename or 'the file'}: {error}", [FieldProblem(("body", "file"), "FILE_REFUSED", str(error))]
        ) from None
    return found.content_type, safe_filename(filename, found.extension)


class TooLarge(InvalidInput):
    status = 413
    title = "Content too large"


def attach(
    uow: UnitOfWork, files: AttachmentFiles, upload: Upload, clock: Clock, max_bytes: int, *, commit: bool = True
) -> AttachmentRecord:
    """Store a file on a subject: the bytes once by their hash, the record once per subject
    (the same bytes uploaded again to the same subject return the record there is)."""
    content_type, filename = check_upload(upload.filename, upload.data, max_bytes)
    with uow:
        customer_id, opened_by = _subject(uow, upload.subject_kind, upload.subject_id)
        if not may_write(upload.role, upload.actor, opened_by):
            raise Forbidden(
                f"role {upload.role.value!r} may not attach files to this {upload.subject_kind}",
                code="role_may_not",
                values={"role": upload.role.value},
            )
        sha = files.put(upload.data)
        for existing in uow.notes.attachments(upload.subject_kind, upload.subject_id):
            if existing.sha256 == sha:
                return existing
        record = AttachmentRecord(
            f"ATT-{uuid.uuid4().hex[:16]}",
            upload.subject_kind,
            upload.subject_id,
            customer_id,
            filename,
            content_type,
            len(upload.data),
            sha,
            upload.actor,
            clock.now(),
        )
        uow.notes.add_attachment(record)
        uow.audit.append(
            upload.actor,
            "attachment.added",
            upload.subject_kind,
            upload.subject_id,
            {k: v for k, v in record.as_json().items() if k != "download"},
            stream=customer_id or _orphan_stream(uow, upload.subject_kind, upload.subject_id),
        )
        if commit:
            uow.commit()
        return record


def attachments_for(
    uow: UnitOfWork, subject_kind: str | None = None, subject_id: str | None = None, customer_id: str | None = None
) -> list[AttachmentRecord]:
    with uow:
        return list(uow.notes.attachments(subject_kind, subject_id, customer_id))


def attachment_content(
    uow: UnitOfWork, files: AttachmentFiles, attachment_id: str, role: Role
) -> tuple[AttachmentRecord, bytes]:
    """The record and bytes of an attachment, for a role that may read."""
    if not may(role, Permission.READ):
        raise Forbidden(
            f"role {role.value!r} may not read attachments", code="role_may_not", values={"role": role.value}
        )
    with uow:
        record = uow.notes.attachment(attachment_id)
    if record is None:
        raise NotFound(
            f"attachment {attachment_id!r} does not exist",
            code="not_found",
            values={"what": "attachment", "id": attachment_id},
        )
    try:
        return record, files.get(record.sha256)
    except (OSError, ValueError):
        raise NotFound(f"attachment {attachment_id!r} has no stored content") from None
