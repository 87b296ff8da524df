"""Administration: the database schema, API tokens and web users."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from creditdesk.entrypoints.cli.context import CLI_ACTOR, state
from creditdesk.entrypoints.cli.output import EXIT_DATA, EXIT_USAGE, err, fail, user_errors

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
user_app = typer.Typer(help="Web users.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create or migrate the schema."""
    from creditdesk.adapters.db.migrate import upgrade

    services = state(ctx).services
    with user_errors():
        upgrade(services.engine)
    err.print("schema is up to date")


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="What the token is for (shown on the admin page).")],
    user: Annotated[
        str | None, typer.Option("--user", help="The user the token acts as (four eyes compares users).")
    ] = None,
    role: Annotated[
        str | None,
        typer.Option("--role", help="Without --user: a service user named NAME with this role (never approves)."),
    ] = None,
) -> None:
    """Print a new API token (only the token) on stdout."""
    from creditdesk.service.auth import create_token, parse_role

    services = state(ctx).services
    if (user is None) == (role is None):
        fail(
            "a token acts as a user: give --user NAME (the token has that user's role), or --role ROLE "
            "alone for a service user named after the token (it submits, never approves)",
            EXIT_USAGE,
        )
    with user_errors():
        chosen = parse_role(role) if role is not None else None
        token = create_token(name, services.uow(), services.clock, CLI_ACTOR, user=user, role=chosen)
    sys.stdout.write(token + "\n")


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user name to sign in with.")],
    role: Annotated[str, typer.Option("--role")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    language: Annotated[str, typer.Option("--language", help="en or zh")] = "en",
) -> None:
    """Create a web user."""
    from creditdesk.service.auth import add_user, parse_role

    if not password_stdin:
        fail("pass --password-stdin and the password on standard input", EXIT_USAGE)
    password = sys.stdin.readline().rstrip("\r\n")
    services = state(ctx).services
    with user_errors():
        add_user(name, password, parse_role(role), services.uow(), services.hasher, CLI_ACTOR, language)
    err.print(f"user {name} added")


@user_app.command("set")
def user_set(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user to change.")],
    role: Annotated[str | None, typer.Option("--role")] = None,
    disabled: Annotated[bool | None, typer.Option("--disable/--enable", help="Stop or allow signing in.")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="A new password from stdin.")] = False,
    email: Annotated[str | None, typer.Option("--email", help='Where notification mail goes ("" removes it).')] = None,
    language: Annotated[
        str | None, typer.Option("--language", help="en or zh: the pages' and mails' language.")
    ] = None,
    notify: Annotated[
        str | None,
        typer.Option("--notify", help="each (a mail per notification), digest (one a day) or off (the bell only)."),
    ] = None,
    company_codes: Annotated[
        str | None,
        typer.Option("--company-codes", help='The company codes the user acts for, comma-separated, or "all".'),
    ] = None,
) -> None:
    """Change a user's role, password, status or company codes (every session of the user ends at
    once), or their e-mail address, language and notify mode (sessions go on)."""
    from creditdesk.domain.roles import Role
    from creditdesk.service.auth import change_user, parse_role, set_contact

    session_change = role is not None or disabled is not None or password_stdin or company_codes is not None
    if not session_change and email is None and language is None and notify is None:
        fail(
            "nothing to change: give --role, --disable/--enable, --password-stdin, --company-codes, --email, "
            "--language or --notify",
            EXIT_USAGE,
        )
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    if password is not None and not 8 <= len(password) <= 1024:
        fail("a password has 8 to 1024 characters", EXIT_DATA)
    services = state(ctx).services
    with user_errors():
        chosen = parse_role(role) if role is not None else None
        if email is not None or language is not None or notify is not None:
            # The command line is the operator's: an admin's changes.
            set_contact(name, services.uow(), CLI_ACTOR, Role.ADMIN, email=email, language=language, notify=notify)
        if company_codes is not None:
            from creditdesk.service.segments import scope_user

            scope = None if company_codes == "all" else tuple(c.strip() for c in company_codes.split(",") if c.strip())
            scope_user(name, scope, services.uow(), CLI_ACTOR, Role.ADMIN)
        if role is not None or disabled is not None or password_stdin:
            change_user(
                name, services.uow(), services.hasher, CLI_ACTOR, role=chosen, password=password, disabled=disabled
            )
    if session_change:
        err.print(f"user {name} changed; their sessions have ended")
    else:
        err.print(f"user {name} changed")
