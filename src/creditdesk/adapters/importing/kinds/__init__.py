"""The import kinds, one module each: their fields, how a row is built and checked, and written.

Rows are plain dicts shaped like the database rows, so a million of them stream through
without building domain objects; money becomes integer minor units here.
"""

from __future__ import annotations

from collections.abc import Callable

from .base import BuildError, Field, ImportState, Kind, RowIssue
from .bureau import Bureau
from .credit_support import SUPPORT_KINDS, CreditSupport
from .customers import Customers
from .financials import Financials
from .fx_rates import FxRates
from .groups import Groups
from .invoices import Invoices
from .orders import Orders
from .payments import Payments

KINDS: dict[str, Callable[[], Kind]] = {
    kind.name: kind
    for kind in (Customers, Invoices, Payments, Orders, Financials, Bureau, Groups, FxRates, CreditSupport)
}

__all__ = ["KINDS", "SUPPORT_KINDS", "BuildError", "Field", "ImportState", "Kind", "RowIssue"]
