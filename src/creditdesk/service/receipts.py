"""The outcome of an idempotent command as stored with it (``command_log``), so that a retry is
answered exactly as the first run was: the typed result, written as tagged JSON and read back.

Rows stored before outcomes were typed hold the answer body itself; they come back as
``Replayed`` and are answered as they are.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date
from enum import Enum
from typing import Any

from creditdesk.domain.money import Money
from creditdesk.service.results import InvoiceResult, OrderResult, PaymentResult, Replayed

Receipt = OrderResult | InvoiceResult | PaymentResult
_KINDS: dict[str, type[Receipt]] = {"order": OrderResult, "invoice": InvoiceResult, "payment": PaymentResult}
_TAG = "receipt"  # no answer body of the old format has this key


def write_receipt(result: object) -> dict[str, Any]:
    kinds = [name for name, cls in _KINDS.items() if isinstance(result, cls)]
    assert kinds, f"an idempotent command returns a receipt; got {type(result).__name__}"
    (kind,) = kinds
    encoded = _encode(result)
    assert isinstance(encoded, dict)
    return {_TAG: kind, **encoded}


def read_receipt(stored: dict[str, Any]) -> Receipt | Replayed:
    kind = stored.get(_TAG)
    if kind is None:
        return Replayed(stored)
    fields = {name: value for name, value in stored.items() if name != _TAG}
    result: Receipt = _decode(_KINDS[kind], fields)
    return dataclasses.replace(result, replayed=True)


def _encode(value: Any) -> Any:
    if isinstance(value, Money):  # before the dataclasses: Money is one, kept in minor units
        return {"minor": value.minor, "currency": value.currency}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name != "replayed"}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_encode(item) for item in value]
    return value  # str, int, bool, None and the JSON documents (decisions, resolutions) as they are


def _decode(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (types.UnionType, typing.Union):  # every union here is "X | None"
        (kind,) = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return _decode(kind, value)
    if origin is tuple:
        item = typing.get_args(kind)[0]
        return tuple(_decode(item, v) for v in value)
    if kind is Money:
        return Money.from_minor(value["minor"], value["currency"])
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(**{name: _decode(hints[name], v) for name, v in value.items()})
    if kind is date:
        return date.fromisoformat(value)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(value)
    return value
