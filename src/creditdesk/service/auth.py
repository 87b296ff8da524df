"""API tokens (stored as hashes) and web users (passwords hashed with a memory-hard algorithm)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from creditdesk.domain.roles import Role
from creditdesk.service.errors import Conflict, InvalidInput, NotFound
from creditdesk.service.ports import Clock, PasswordHasher, UnitOfWork

LANGUAGES = ("en", "zh")


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role
    language: str = "en"


def parse_role(text: str) -> Role:
    try:
        return Role(text)
    except ValueError:
        allowed = ", ".join(role.value for role in Role)
        raise InvalidInput(f"unknown role {text!r}; expected one of {allowed}") from None


def token_digest(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash suffices; no salt is needed to resist guessing.
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(name: str, role: Role, uow: UnitOfWork, clock: Clock, actor: str) -> str:
    if not name.strip():
        raise InvalidInput("a token needs a name")
    token = "cd_" + secrets.token_urlsafe(32)
    with uow:
        uow.tokens.add(name, role.value, token_digest(token), clock.now())
        uow.audit.append(actor, "token.created", "token", name, {"role": role.value})
        uow.commit()
    return token


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
    with uow:
        found = uow.tokens.find(token_digest(token))
    if found is None:
        return None
    name, role = found
    return Principal(name, Role(role))


def add_user(
    username: str,
    password: str,
    role: Role,
    uow: UnitOfWork,
    hasher: PasswordHasher,
    actor: str,
    language: str = "en",
) -> None:
    if not username.strip() or len(username) > 100:
        raise InvalidInput("a user name is 1 to 100 characters")
    if len(password) < 8:
        raise InvalidInput("a password has at least 8 characters")
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}; got {language!r}")
    with uow:
        if uow.users.get(username) is not None:
            raise Conflict(f"user {username!r} already exists")
        uow.users.add(username, hasher.hash(password), role.value, language)
        uow.audit.append(actor, "user.added", "user", username, {"role": role.value})
        uow.commit()


def authenticate_user(username: str, password: str, uow: UnitOfWork, hasher: PasswordHasher) -> Principal | None:
    with uow:
        found = uow.users.get(username)
    if found is None:
        # Same work as a real check so response time does not reveal which user names exist.
        hasher.verify(_DUMMY_HASH.get(hasher), password)
        return None
    password_hash, role, language = found
    if not hasher.verify(password_hash, password):
        return None
    return Principal(username, Role(role), language)


def set_language(username: str, language: str, uow: UnitOfWork) -> None:
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}; got {language!r}")
    with uow:
        uow.users.set_language(username, language)
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
