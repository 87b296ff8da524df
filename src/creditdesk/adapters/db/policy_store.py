"""The check policies as the activation service sees them: the active one parsed, a proposed
body parsed, and the activations that wait for a second person."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.limit_management import active_limit_policy
from creditdesk.adapters.policy_file import parse_policy
from creditdesk.domain.limit_policy import LimitPolicy
from creditdesk.domain.rules import CheckPolicy, builtin_policy
from creditdesk.service.policies import PendingActivation


def _pending(row: Any) -> PendingActivation:
    return PendingActivation(
        activation_id=row.activation_id,
        name=row.name,
        body=row.body,
        sha256=row.sha256,
        loosened=tuple(json.loads(row.loosened)),
        verdict=row.verdict,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        status=row.status,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        version=row.version,
    )


class SqlPolicies:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def parse(self, body: str) -> tuple[CheckPolicy, LimitPolicy]:
        """The policies a body describes (PolicyError, a ValueError, when it is not valid)."""
        return parse_policy(body)

    def active(self) -> tuple[int | None, CheckPolicy, LimitPolicy]:
        p = t.check_policies
        row = self._c.execute(select(p.c.version, p.c.body).order_by(p.c.version.desc()).limit(1)).first()
        if row is None:
            return None, builtin_policy(), active_limit_policy(self._c)[1]
        check, limits = parse_policy(row.body, row.version)
        return int(row.version), check, limits

    def add_pending(self, activation: PendingActivation) -> None:
        self._c.execute(
            insert(t.policy_activations),
            {
                "activation_id": activation.activation_id,
                "name": activation.name,
                "body": activation.body,
                "sha256": hashlib.sha256(activation.body.encode()).hexdigest(),
                "loosened": json.dumps(list(activation.loosened), ensure_ascii=False),
                "verdict": activation.verdict,
                "requested_by": activation.requested_by,
                "requested_at": activation.requested_at,
                "status": activation.status,
            },
        )

    def activation(self, activation_id: str, *, lock: bool = False) -> PendingActivation | None:
        query = select(t.policy_activations).where(t.policy_activations.c.activation_id == activation_id)
        if lock:
            query = query.with_for_update()
        row = self._c.execute(query).first()
        return _pending(row) if row else None

    def pending(self) -> list[PendingActivation]:
        a = t.policy_activations
        query = select(a).where(a.c.status == "pending").order_by(a.c.requested_at.desc())
        return [_pending(row) for row in self._c.execute(query)]

    def decide(self, activation_id: str, status: str, actor: str, at: datetime, version: int | None) -> None:
        a = t.policy_activations
        self._c.execute(
            update(a)
            .where(a.c.activation_id == activation_id)
            .values(status=status, decided_by=actor, decided_at=at, version=version)
        )
