"""A model version's registry row, for tests and benchmarks that load scores without fitting a model."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine, insert

from creditdesk.adapters.db import tables as t


def register_model_row(engine: Engine, version: str, trained_as_of: date, created_at: datetime) -> None:
    """A champion ``version`` in the registry (no artefact behind it: nothing here scores)."""
    with engine.begin() as conn:
        conn.execute(
            insert(t.model_versions).values(
                version=version,
                kind="segmented",
                role="champion",
                artefact_path="/nowhere",
                model_sha256="0" * 64,
                trained_as_of=trained_as_of,
                metrics="{}",
                created_at=created_at,
                created_by="test",
            )
        )
