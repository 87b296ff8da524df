"""Notes and attachments' records (the bytes live in adapters/attachment_files.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from creditdesk.adapters.db import tables as t
from creditdesk.service.notes import AttachmentRecord, NoteRecord

_NOTE_COLUMNS = ("note_id", "subject_kind", "subject_id", "customer_id", "body", "author", "created_at")


def _note(row: Any) -> NoteRecord:
    return NoteRecord(*(getattr(row, c) for c in _NOTE_COLUMNS))


def _attachment(row: Any) -> AttachmentRecord:
    return AttachmentRecord(
        row.attachment_id,
        row.subject_kind,
        row.subject_id,
        row.customer_id,
        row.filename,
        row.content_type,
        row.size_bytes,
        row.sha256,
        row.uploaded_by,
        row.uploaded_at,
    )


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SqlNotes:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_note(
        self, subject_kind: str, subject_id: str, customer_id: str | None, body: str, author: str, at: datetime
    ) -> NoteRecord:
        n = t.notes
        values = dict(
            subject_kind=subject_kind,
            subject_id=subject_id,
            customer_id=customer_id,
            body=body,
            author=author,
            created_at=at,
        )
        note_id = self._conn.execute(insert(n).values(**values).returning(n.c.note_id)).scalar_one()
        return NoteRecord(note_id, subject_kind, subject_id, customer_id, body, author, at)

    def notes(
        self,
        subject_kind: str | None = None,
        subject_id: str | None = None,
        customer_id: str | None = None,
        query: str | None = None,
        limit: int = 200,
    ) -> list[NoteRecord]:
        n = t.notes
        q = select(n)
        if subject_kind is not None:
            q = q.where(n.c.subject_kind == subject_kind)
        if subject_id is not None:
            q = q.where(n.c.subject_id == subject_id)
        if customer_id is not None:
            q = q.where(n.c.customer_id == customer_id)
        if query:
            pattern = _like(query)
            q = q.where(
                or_(
                    func.lower(n.c.body).like(pattern, escape="\\"),
                    func.lower(n.c.subject_id).like(pattern, escape="\\"),
                    func.lower(n.c.customer_id).like(pattern, escape="\\"),
                )
            )
        rows = self._conn.execute(q.order_by(n.c.note_id.desc()).limit(limit))
        return [_note(r) for r in rows]

    def add_attachment(self, record: AttachmentRecord) -> None:
        self._conn.execute(
            insert(t.attachments).values(
                attachment_id=record.attachment_id,
                subject_kind=record.subject_kind,
                subject_id=record.subject_id,
                customer_id=record.customer_id,
                filename=record.filename,
                content_type=record.content_type,
                size_bytes=record.size_bytes,
                sha256=record.sha256,
                uploaded_by=record.uploaded_by,
                uploaded_at=record.uploaded_at,
            )
        )

    def attachment(self, attachment_id: str) -> AttachmentRecord | None:
        a = t.attachments
        row = self._conn.execute(select(a).where(a.c.attachment_id == attachment_id)).first()
        return None if row is None else _attachment(row)

    def attachments(
        self, subject_kind: str | None = None, subject_id: str | None = None, customer_id: str | None = None
    ) -> list[AttachmentRecord]:
        a = t.attachments
        q = select(a)
        if subject_kind is not None:
            q = q.where(a.c.subject_kind == subject_kind)
        if subject_id is not None:
            q = q.where(a.c.subject_id == subject_id)
        if customer_id is not None:
            q = q.where(a.c.customer_id == customer_id)
        return [_attachment(r) for r in self._conn.execute(q.order_by(a.c.uploaded_at, a.c.attachment_id))]

    def assign_customer(self, subject_kind: str, subject_id: str, customer_id: str) -> None:
        """The notes and attachments of a subject now belong to the customer's timeline."""
        for table in (t.notes, t.attachments):
            self._conn.execute(
                update(table)
                .where(table.c.subject_kind == subject_kind, table.c.subject_id == subject_id)
                .values(customer_id=customer_id)
            )

    def subject(self, subject_kind: str, subject_id: str) -> tuple[str | None, str | None] | None:
        """The subject's customer (None for an application not yet approved) and who opened it
        (an application's submitter, a request's requester); None when there is no such subject."""
        if subject_kind == "customer":
            c = t.customers
            found = self._conn.execute(select(c.c.customer_id).where(c.c.customer_id == subject_id)).first()
            return None if found is None else (subject_id, None)
        if subject_kind == "application":
            a = t.credit_applications
            row = self._conn.execute(
                select(a.c.status, a.c.customer_id, a.c.submitted_by).where(a.c.application_id == subject_id)
            ).first()
            if row is None:
                return None
            return (row.customer_id if row.status == "approved" else None, row.submitted_by)
        if subject_kind == "dispute":
            d = t.disputes
            case = self._conn.execute(
                select(d.c.customer_id, d.c.opened_by).where(d.c.dispute_id == subject_id)
            ).first()
            return None if case is None else (case.customer_id, case.opened_by)
        if subject_kind == "request":
            r = t.limit_requests
            asked = self._conn.execute(
                select(r.c.customer_id, r.c.requested_by).where(r.c.request_id == subject_id)
            ).first()
            return None if asked is None else (asked.customer_id, asked.requested_by)
        return None
