"""The daily cycle's job runs and leases (GET /api/v1/jobs)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class JobRunOut(BaseModel):
    run_id: int
    job: str = Field(examples=["monitor"])
    as_of: str = Field(description="the business day the run was for", examples=["2026-06-30"])
    status: str = Field(examples=["running", "succeeded", "failed"])
    worker: str = Field(description="host:pid of the process that ran it")
    started_at: str
    finished_at: str | None
    seconds: float | None
    counts: dict[str, int | str] = Field(description="what the run did (job-specific), or why it skipped")
    error: str | None


class LeaseOut(BaseModel):
    name: str = Field(examples=["cycle", "relay"])
    holder: str = Field(description="host:pid of the process holding it")
    expires_at: str
    held: bool = Field(description="false once expired: the next worker takes it over")


class JobsOut(BaseModel):
    jobs: list[str] = Field(description="the daily cycle's jobs, in the order they run")
    runs: list[JobRunOut] = Field(description="the latest runs, newest first")
    leases: list[LeaseOut]
