"""Customer groups: the tree of groups and their parents."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from creditdesk.adapters.db import tables as t

from .. import fields as f
from ..problems import Code
from .base import Field, ImportState, Kind, RowIssue, in_chunks


class Groups(Kind):
    name = "groups"
    table = t.customer_groups
    key = ("group_id",)
    fields = (
        Field("group_id", f.identifier, required=True),
        Field("name", f.bounded_text(200), required=True),
        Field("parent_group_id", f.identifier),
    )

    def check(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> list[RowIssue]:
        wanted = {row["parent_group_id"] for row in rows if row["parent_group_id"]} - set(state.groups)
        for chunk in in_chunks(sorted(wanted)):
            stored = set(
                conn.execute(
                    select(t.customer_groups.c.group_id).where(t.customer_groups.c.group_id.in_(chunk))
                ).scalars()
            )
            state.groups.update({gid: gid in stored for gid in chunk})
        issues = []
        for index, row in enumerate(rows):
            parent = row["parent_group_id"]
            if parent == row["group_id"]:
                issues.append(
                    RowIssue(
                        index,
                        "parent_group_id",
                        Code.GROUP_CYCLE,
                        "expected another group as parent, found the group itself",
                    )
                )
            elif parent and not state.groups.get(parent):
                issues.append(
                    RowIssue(
                        index,
                        "parent_group_id",
                        Code.UNKNOWN_GROUP,
                        f"expected a stored group or one earlier in the file, found {parent!r}",
                    )
                )
            # Parents must come first, so a group defined here may parent later rows.
            state.groups[row["group_id"]] = True
        return issues
