"""Helpers for tests: write import files, snapshot the database, the app in-process."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select

from creditdesk.adapters.db import tables as t

if TYPE_CHECKING:
    from creditdesk.bootstrap import Services
    from creditdesk.domain.limit_policy import LimitInputs, LimitPolicy
    from creditdesk.domain.roles import Role


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text.lstrip("\n"), encoding="utf-8")
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: to prove nothing changed."""
    result = {}
    with engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            rows = conn.execute(select(table)).all()
            result[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return result


CUSTOMERS = """
customer_id,name,currency,segment,group_id,country,industry,registered_on,payment_terms_days,credit_limit
C1,Acme Trading,EUR,standard,G1,DE,retail,2020-01-15,30,10000.00
C2,Beta Foods,EUR,strategic,G1,FR,manufacture,2019-06-01,60,50000
C3,Gamma Yen,JPY,,,JP,,,,2000000
"""

INVOICES = """
invoice_id,customer_id,invoice_date,due_date,amount,currency,order_id,disputed
I1,C1,2026-01-01,2026-01-31,1000.00,EUR,,no
I2,C1,2026-02-01,2026-03-03,500.50,EUR,,yes
I3,C2,2024-02-29,2024-03-30,250.00,EUR,,false
"""


class SteadySales:
    """The real limit inputs, each customer an established one buying ``monthly`` a month (a
    recommendation that follows from it, whatever the book says)."""

    def __init__(self, services: Services, monthly: int) -> None:
        self.store = services.limit_inputs()
        self.monthly = Decimal(monthly)

    def active_limit_policy(self) -> tuple[int | None, LimitPolicy]:
        return self.store.active_limit_policy()

    def limit_inputs(self, as_of: date, customer_id: str | None = None, **kw: object) -> list[LimitInputs]:
        found = self.store.limit_inputs(as_of, customer_id, **kw)  # type: ignore[arg-type]
        return [replace(i, avg_monthly_sales=self.monthly, registered_on=date(2020, 1, 1)) for i in found]


def app_client(services: Services, role: Role, name: str = "boss") -> Any:
    """The whole app (API and pages) in-process, every request made as ``name`` in ``role``."""
    import warnings

    from creditdesk.entrypoints.api.app import create_app
    from creditdesk.entrypoints.api.deps import get_principal
    from creditdesk.entrypoints.web.deps import signed_in
    from creditdesk.service.auth import Principal

    app = create_app(services)

    async def principal() -> Principal:
        return Principal(name, role)

    app.dependency_overrides[get_principal] = principal
    app.dependency_overrides[signed_in] = principal
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(app, raise_server_exceptions=False)
