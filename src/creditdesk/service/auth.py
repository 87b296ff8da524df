"""Identities: web users (people, passwords hashed with a memory-hard algorithm), service users
(systems such as the ERP), API tokens that act as one of them, sessions and log-in throttling.

The user name is the identity: the primary key, never renamed. Four eyes compares it, so a
person's token and their web session are the same person. A service user submits (orders,
documents, limit requests) and never approves.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from creditdesk.domain.roles import Permission, Role, may
from creditdesk.service.errors import Conflict, Forbidden, InvalidInput, NotFound
from creditdesk.service.ports import Clock, PasswordHasher, Throttle, UnitOfWork, UserRecord

LANGUAGES = ("en", "zh")
NOTIFY_MODES = ("each", "digest", "off")  # a mail per notification, one a day, or the bell only
# An e-mail address as a person types it: one @, a dot in the domain, no spaces or angle brackets.
_EMAIL = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"'.]+$")
PERSON, SERVICE = "person", "service"
LEGACY_TOKEN_PREFIX = "token:"  # the identity of a token made before tokens had owners
UNUSABLE_PASSWORD = "!"  # a service user never signs in
# Log-in throttling: this many failures in the window lock the user name (or the address).
THROTTLE_WINDOW = timedelta(minutes=15)
USER_FAILURES = 5
ADDRESS_FAILURES = 20


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role
    language: str = "en"
    service: bool = False
    session_version: int = 0


def parse_role(text: str) -> Role:
    try:
        return Role(text)
    except ValueError:
        allowed = ", ".join(role.value for role in Role)
        raise InvalidInput(f"unknown role {text!r}; expected one of {allowed}") from None


def token_digest(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash suffices; no salt is needed to resist guessing.
    return hashlib.sha256(token.encode()).hexdigest()


def _principal(user: UserRecord) -> Principal:
    return Principal(user.username, Role(user.role), user.language, user.kind == SERVICE, user.session_version)


def create_token(
    name: str, uow: UnitOfWork, clock: Clock, actor: str, *, user: str | None = None, role: Role | None = None
) -> str:
    """A token that acts as ``user``; with ``role`` alone, as the service user ``name`` (made
    when missing): a system that submits and never approves."""
    if not name.strip() or len(name) > 100:
        raise InvalidInput("a token needs a name of 1 to 100 characters")
    if user is None and role is None:
        raise InvalidInput("a token acts as a user: give --user NAME (or --role ROLE for a service user named NAME)")
    token = "cd_" + secrets.token_urlsafe(32)
    with uow:
        if user is not None:
            owner = uow.users.get(user)
            if owner is None:
                raise NotFound(f"no user {user!r}; create one with `creditdesk user add`")
            if owner.disabled:
                raise Conflict(f"user {user!r} is disabled")
        else:
            assert role is not None
            owner = _service_user(uow, name, role, actor)
        uow.tokens.add(name, owner.role, token_digest(token), clock.now(), owner.username)
        uow.audit.append(actor, "token.created", "token", name, {"role": owner.role, "user": owner.username})
        uow.commit()
    return token


def _service_user(uow: UnitOfWork, name: str, role: Role, actor: str) -> UserRecord:
    found = uow.users.get(name)
    if found is not None and found.kind != SERVICE:
        raise Conflict(f"{name!r} is a person; a person's token: --user {name} (a service user needs another name)")
    if found is not None and found.role != role.value:
        raise Conflict(f"service user {name!r} has role {found.role}; use that role or another name")
    if found is None:
        uow.users.add(name, UNUSABLE_PASSWORD, role.value, "en", SERVICE)
        uow.audit.append(actor, "user.added", "user", name, {"role": role.value, "kind": SERVICE})
        found = uow.users.get(name)
        assert found is not None
    return found


def revoke_token(token_id: int, uow: UnitOfWork, clock: Clock, actor: str) -> str:
    """Revoke a live token (the API stops taking it within its cache's life); its name."""
    with uow:
        name = uow.tokens.revoke(token_id, clock.now())
        if name is None:
            raise NotFound(f"there is no live token with id {token_id}")
        uow.audit.append(actor, "token.revoked", "token", name, {"id": token_id})
        uow.commit()
    return name


def authenticate_token(token: str, uow: UnitOfWork) -> Principal | None:
    """The user a live token acts as, with the user's role now (None: unknown, revoked or its
    user disabled). An ownerless token from before is a service principal ``token:NAME``."""
    with uow:
        found = uow.tokens.find(token_digest(token))
        if found is None:
            return None
        if found.username is None:
            return Principal(LEGACY_TOKEN_PREFIX + found.name, Role(found.role), service=True)
        user = uow.users.get(found.username)
    if user is None or user.disabled:
        return None
    return _principal(user)


def add_user(
    username: str,
    password: str,
    role: Role,
    uow: UnitOfWork,
    hasher: PasswordHasher,
    actor: str,
    language: str = "en",
) -> None:
    if not username.strip() or len(username) > 100 or username.startswith(LEGACY_TOKEN_PREFIX):
        raise InvalidInput(f"a user name is 1 to 100 characters and does not start with {LEGACY_TOKEN_PREFIX!r}")
    if len(password) < 8:
        raise InvalidInput("a password has at least 8 characters")
    if len(password) > 1024:
        raise InvalidInput("a password has at most 1024 characters")
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}; got {language!r}")
    with uow:
        if uow.users.get(username) is not None:
            raise Conflict(f"user {username!r} already exists")
        uow.users.add(username, hasher.hash(password), role.value, language)
        uow.audit.append(actor, "user.added", "user", username, {"role": role.value})
        uow.commit()


def change_user(
    username: str,
    uow: UnitOfWork,
    hasher: PasswordHasher,
    actor: str,
    *,
    role: Role | None = None,
    password: str | None = None,
    disabled: bool | None = None,
) -> None:
    """A new role, password or status; every session of the user ends at once."""
    if password is not None and not 8 <= len(password) <= 1024:
        raise InvalidInput("a password has 8 to 1024 characters")
    with uow:
        if uow.users.get(username) is None:
            raise NotFound(f"no user {username!r}")
        hashed = hasher.hash(password) if password is not None else None
        uow.users.change(username, role=role.value if role else None, password_hash=hashed, disabled=disabled)
        changes = {"role": role.value if role else None, "password": password is not None, "disabled": disabled}
        uow.audit.append(actor, "user.changed", "user", username, {k: v for k, v in changes.items() if v is not None})
        uow.commit()


def authenticate_user(username: str, password: str, uow: UnitOfWork, hasher: PasswordHasher) -> Principal | None:
    with uow:
        found = uow.users.get(username)
    if found is None or found.kind != PERSON or found.disabled:
        # Same work as a real check so response time does not reveal which user names exist.
        hasher.verify(_DUMMY_HASH.get(hasher), password)
        return None
    if not hasher.verify(found.password_hash, password):
        return None
    return _principal(found)


def session_principal(username: str, session_version: int, uow: UnitOfWork) -> Principal | None:
    """The person a web session belongs to, as stored now; None when the session has ended
    (logged out, password, role or status changed) or the user may no longer sign in."""
    with uow:
        found = uow.users.get(username)
    if found is None or found.kind != PERSON or found.disabled or found.session_version != session_version:
        return None
    return _principal(found)


def end_sessions(username: str, uow: UnitOfWork) -> None:
    """Log-out: every session of the user ends, copies of the cookie included."""
    with uow:
        uow.users.end_sessions(username)
        uow.commit()


def set_language(username: str, language: str, uow: UnitOfWork) -> None:
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}; got {language!r}")
    with uow:
        uow.users.set_language(username, language)
        uow.commit()


def check_email(text: str) -> str | None:
    """The address, trimmed; None for an empty one (no mail). Refused unless it looks like one."""
    address = text.strip()
    if not address:
        return None
    if len(address) > 320 or not _EMAIL.match(address) or any(ord(ch) < 32 for ch in address):
        raise InvalidInput(f"{address[:80]!r} is not an e-mail address (name@example.com)")
    return address


def set_contact(
    username: str,
    uow: UnitOfWork,
    actor: str,
    actor_role: Role,
    *,
    email: str | None = None,
    language: str | None = None,
    notify: str | None = None,
) -> dict[str, str | None]:
    """A user's e-mail address (``""`` removes it), language and notify mode (each, digest, off).
    A person may set their own language and notify mode; an address (where the desk's news goes)
    and anything of another user's need an admin. Audited; sessions go on. What changed."""
    if actor != username and not may(actor_role, Permission.ADMINISTER):
        raise Forbidden("only an admin may change another user's e-mail, language or notifications")
    if email is not None and not may(actor_role, Permission.ADMINISTER):
        raise Forbidden("an admin sets e-mail addresses: notifications carry the desk's business")
    changes: dict[str, str | None] = {}
    if email is not None:
        changes["email"] = check_email(email)
    if language is not None:
        if language not in LANGUAGES:
            raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}; got {language!r}")
        changes["language"] = language
    if notify is not None:
        if notify not in NOTIFY_MODES:
            raise InvalidInput(f"notify must be one of {', '.join(NOTIFY_MODES)}; got {notify!r}")
        changes["notify"] = notify
    if not changes:
        raise InvalidInput("nothing to change: give an e-mail address, a language or a notify mode")
    with uow:
        found = uow.users.get(username)
        if found is None:
            raise NotFound(f"no user {username!r}")
        if found.kind != PERSON and changes.get("email"):
            raise Conflict(f"{username!r} is a service user: it is never told anything")
        uow.users.set_contact(username, changes)
        uow.audit.append(actor, "user.contact", "user", username, dict(changes))
        uow.commit()
    return changes


def is_person(uow: UnitOfWork, actor: str) -> bool:
    """Whether ``actor`` may decide: not a service user, a disabled user or an ownerless token."""
    if actor.startswith(LEGACY_TOKEN_PREFIX):
        return False
    user = uow.users.get(actor)
    return user is None or (user.kind == PERSON and not user.disabled)


def refuse_non_person(uow: UnitOfWork, actor: str, doing: str) -> None:
    """Approvals are a person's: never a service user's, a disabled user's or an ownerless token's."""
    if actor.startswith(LEGACY_TOKEN_PREFIX):
        raise Forbidden(f"{doing} is a person's decision; a token without a user may not (make one with --user)")
    user = uow.users.get(actor)
    if user is not None and user.kind == SERVICE:
        raise Forbidden(f"{doing} is a person's decision; service user {actor!r} submits and never approves")
    if user is not None and user.disabled:
        raise Forbidden(f"user {actor!r} is disabled")


# --- log-in throttling ----------------------------------------------------------------------


def throttle_keys(username: str, address: str | None) -> list[tuple[str, int]]:
    keys = [(f"user:{username[:100]}", USER_FAILURES)]
    if address:
        keys.append((f"address:{address[:64]}", ADDRESS_FAILURES))
    return keys


def login_wait(keys: list[tuple[str, int]], uow: UnitOfWork, clock: Clock) -> int:
    """Seconds until a log-in may be tried again under these keys (0: now)."""
    now = clock.now()
    with uow:
        waits = [
            (found.locked_until - now).total_seconds()
            for key, _ in keys
            if (found := uow.throttle.get(key)) is not None and found.locked_until is not None
        ]
    return max([0, *[int(w) + 1 for w in waits if w > 0]])


def record_login(keys: list[tuple[str, int]], succeeded: bool, uow: UnitOfWork, clock: Clock) -> None:
    """Count a failure against each key (locking it at its limit); a success clears the user's."""
    now = clock.now()
    with uow:
        for key, limit in keys:
            if succeeded:
                if key.startswith("user:"):
                    uow.throttle.clear(key)
                continue
            found = uow.throttle.get(key)
            if found is None or now - found.window_start > THROTTLE_WINDOW:
                found = Throttle(0, now, None)
            failures = found.failures + 1
            locked = now + THROTTLE_WINDOW if failures >= limit else found.locked_until
            uow.throttle.put(key, Throttle(failures, found.window_start, locked))
        uow.commit()


class _DummyHash:
    """A hash of a random password, made once per hasher, for the unknown-user path."""

    def __init__(self) -> None:
        self._value: str | None = None

    def get(self, hasher: PasswordHasher) -> str:
        if self._value is None:
            self._value = hasher.hash(secrets.token_urlsafe(16))
        return self._value


_DUMMY_HASH = _DummyHash()
