"""What every command shares: the global options and the services they open."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from creditdesk.bootstrap import Services

CLI_ACTOR = "cli"


class State:
    def __init__(self, db: str | None, as_json: bool) -> None:
        self.db = db
        self.json = as_json
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            from creditdesk.bootstrap import bootstrap  # every adapter: loaded by the commands that use one

            self._services = bootstrap(self.db)
        return self._services


def state(ctx: typer.Context) -> State:
    obj: State = ctx.obj
    return obj


def json_flag(ctx: typer.Context, local: bool) -> bool:
    return local or state(ctx).json
