"""A command group whose commands are imported only when one of them runs.

`creditdesk --help` lists every command from the registry's short help alone, so it loads
none of them (and none of pandas, scikit-learn or SQLAlchemy that they need).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
from typer import _click as click  # Typer carries its own Click: its groups are of these classes
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True, slots=True)
class Entry:
    """Where a command lives (``module:attribute``, a Typer app or a function) and its one-line help."""

    target: str
    help: str

    def load(self, name: str) -> click.Command:
        module_name, attribute = self.target.split(":")
        found: Any = getattr(importlib.import_module(module_name), attribute)
        if isinstance(found, typer.Typer):
            command: click.Command = typer.main.get_group(found)
        else:
            single = typer.Typer()
            single.command(name)(found)
            command = typer.main.get_command(single)
        command.name = name
        return command


class LazyGroup(TyperGroup):
    """Subclasses set ``entries``; commands registered the usual way keep working beside them."""

    entries: ClassVar[dict[str, Entry]] = {}
    _listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.entries, *(name for name in super().list_commands(ctx) if name not in self.entries)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = self.entries.get(cmd_name)
        if entry is None:
            return super().get_command(ctx, cmd_name)
        if self._listing:  # the help page needs a name and a line, not the command
            return TyperCommand(cmd_name, help=entry.help)
        return entry.load(cmd_name)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
