"""Seals: every stream's length and last hash at a moment, MAC'd, kept outside the database.

One seal is one JSON line of an append-only file. A later verification checks the database
against the latest seal, so what was sealed cannot be truncated, deleted or rewritten even
by someone who rolls a head row back to an older, validly MAC'd value.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from creditdesk.domain.audit import AuditHead, AuditKeys, canonical, keyed_mac

SEAL_VERSION = 1


class MalformedSeal(ValueError):
    """The seal file's line is not a seal."""


@dataclass(frozen=True, slots=True)
class Seal:
    at: datetime
    key_id: str
    streams: Mapping[str, tuple[int, str]]  # stream -> (length, last hash)
    mac: str

    @property
    def records(self) -> int:
        return sum(length for length, _ in self.streams.values())


def _body(at: datetime, key_id: str, streams: Mapping[str, tuple[int, str]]) -> dict[str, Any]:
    return {
        "v": SEAL_VERSION,
        "at": at.isoformat(),
        "key_id": key_id,
        "streams": {name: [length, last] for name, (length, last) in sorted(streams.items())},
    }


def _seal_mac(key: bytes, at: datetime, key_id: str, streams: Mapping[str, tuple[int, str]]) -> str:
    return keyed_mac(key, "seal/1", [canonical(_body(at, key_id, streams))])


def make_seal(heads: Iterable[AuditHead], at: datetime, keys: AuditKeys) -> Seal:
    streams = {head.stream: (head.length, head.last_hash) for head in heads}
    return Seal(at, keys.current_id, streams, _seal_mac(keys.current, at, keys.current_id, streams))


def seal_is_authentic(seal: Seal, keys: AuditKeys) -> bool:
    key = keys.by_id(seal.key_id)
    if key is None:
        return False
    return hmac.compare_digest(_seal_mac(key, seal.at, seal.key_id, seal.streams), seal.mac)


def seal_line(seal: Seal) -> str:
    """The seal as one line of JSON (no newline)."""
    return canonical({**_body(seal.at, seal.key_id, seal.streams), "mac": seal.mac})


def parse_seal(line: str) -> Seal:
    try:
        document = json.loads(line)
        if document["v"] != SEAL_VERSION:
            raise MalformedSeal(f"unknown seal version {document['v']!r}")
        streams = {str(name): (int(length), str(last)) for name, (length, last) in document["streams"].items()}
        return Seal(datetime.fromisoformat(document["at"]), str(document["key_id"]), streams, str(document["mac"]))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise MalformedSeal(f"not a seal: {error}") from None
