"""One maximum amount (MAX_MINOR minor units) and no 500 for a user's bad input, over HTTP on a
real database (SQLite and PostgreSQL): amounts, balances summed from many documents, ids and
text the database cannot store, and the web search and paging. See docs/money.md."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, text, update
from sqlalchemy.exc import IntegrityError

from creditdesk.adapters.db import queries
from creditdesk.adapters.db import tables as t
from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import Services
from creditdesk.domain.money import MAX_MINOR
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.api.app import create_app
from creditdesk.entrypoints.api.deps import get_principal
from creditdesk.service.auth import Principal, add_user
from tests.helpers import write_csv

HUGE = "92233720368547758.07"  # 2^63 - 1 cents: the amount of the finding
LARGEST_EUR = "10000000000000.00"  # MAX_MINOR cents
BEYOND_EUR = "10000000000000.01"


def _test_client(app: Any) -> httpx.Client:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's notice about httpx versions
        from fastapi.testclient import TestClient
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def api(services: Services) -> Iterator[httpx.Client]:
    """The API in process, as an administrator (authentication is not what is tested here)."""
    app = create_app(services)

    async def administrator() -> Principal:
        return Principal("tester", Role.ADMIN)

    app.dependency_overrides[get_principal] = administrator
    with _test_client(app) as client:
        customer = {"customer_id": "C1", "name": "Acme", "currency": "EUR", "credit_limit": "1000"}
        assert client.post("/api/v1/customers", json=customer).status_code == 201
        yield client


def _payment(payment_id: str, amount: str, customer_id: str = "C1") -> dict[str, str]:
    return {
        "payment_id": payment_id,
        "customer_id": customer_id,
        "payment_date": "2026-03-01",
        "amount": amount,
        "currency": "EUR",
    }


def _invoice(invoice_id: str, amount: str, customer_id: str = "C1") -> dict[str, str]:
    return {
        "invoice_id": invoice_id,
        "customer_id": customer_id,
        "invoice_date": "2026-03-01",
        "due_date": "2026-04-30",
        "amount": amount,
        "currency": "EUR",
    }


def _errors(response: httpx.Response, status: int = 422) -> list[dict[str, Any]]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors: list[dict[str, Any]] = response.json()["errors"]
    assert all(set(error) == {"loc", "code", "message"} for error in errors)
    return errors


def _codes(response: httpx.Response) -> set[str]:
    return {error["code"] for error in _errors(response)}


# --- the findings ---------------------------------------------------------------------------


def test_a_payment_of_2_pow_63_cents_is_refused_and_the_ledger_still_reconciles(api: httpx.Client) -> None:
    first = api.post("/api/v1/payments", json=_payment("P1", HUGE))
    assert _errors(first) == [
        {
            "loc": ["body", "amount"],
            "code": "AMOUNT_TOO_LARGE",
            "message": f"expected an amount of at most {MAX_MINOR} in any currency, found {HUGE}",
        }
    ]
    assert _codes(api.post("/api/v1/payments", json=_payment("P2", HUGE))) == {"AMOUNT_TOO_LARGE"}
    reconciled = api.get("/api/v1/ledger/reconcile")
    assert reconciled.status_code == 200 and reconciled.json()["ok"] is True


def test_the_largest_amount_is_taken_and_one_minor_unit_more_is_refused(api: httpx.Client) -> None:
    assert api.post("/api/v1/payments", json=_payment("P1", LARGEST_EUR)).status_code == 201
    beyond = _errors(api.post("/api/v1/payments", json=_payment("P2", BEYOND_EUR)))
    assert beyond[0]["code"] == "AMOUNT_TOO_LARGE"
    assert "10000000000000.00 EUR (1000000000000000 minor units)" in beyond[0]["message"]


def test_a_balance_summed_beyond_the_bound_is_a_422_not_an_integrity_error(
    api: httpx.Client, services: Services
) -> None:
    assert api.post("/api/v1/payments", json=_payment("P1", LARGEST_EUR)).status_code == 201
    assert _codes(api.post("/api/v1/payments", json=_payment("P2", "0.01"))) == {"BALANCE_TOO_LARGE"}
    assert api.post("/api/v1/invoices", json=_invoice("I1", LARGEST_EUR)).status_code == 201
    assert _codes(api.post("/api/v1/invoices", json=_invoice("I2", "0.01"))) == {"BALANCE_TOO_LARGE"}
    reconciled = api.get("/api/v1/ledger/reconcile")
    assert reconciled.status_code == 200 and reconciled.json()["ok"] is True
    with services.engine.connect() as conn:
        balances = conn.execute(text("SELECT receivable_minor, unapplied_minor FROM credit_accounts")).one()
    assert tuple(balances) == (MAX_MINOR, MAX_MINOR)  # the cash stays on account, apart from the invoice


def test_a_group_opened_over_members_whose_sum_passes_the_bound_is_refused(api: httpx.Client) -> None:
    for customer_id in ("C2", "C3"):
        body = {"customer_id": customer_id, "name": customer_id, "currency": "EUR", "group_id": "G1"}
        assert api.post("/api/v1/customers", json=body).status_code == 201
        invoice = _invoice(f"I-{customer_id}", "6000000000000.00", customer_id)
        assert api.post("/api/v1/invoices", json=invoice).status_code == 201
    opened = api.put("/api/v1/groups/G1/credit-limit", json={"amount": "1", "currency": "EUR", "reason": "pool"})
    assert _codes(opened) == {"BALANCE_TOO_LARGE"}


def test_an_order_whose_account_currency_amount_passes_the_bound_is_refused(
    api: httpx.Client, services: Services, tmp_path: Path
) -> None:
    rates = write_csv(tmp_path / "rates.csv", "base_currency,quote_currency,rate_date,rate\nEUR,JPY,2026-01-01,200\n")
    assert import_file("fx_rates", rates, services.engine, services.clock).ok
    yen = {"customer_id": "Y1", "name": "Yen KK", "currency": "JPY", "credit_limit": "1000000000000000"}
    assert api.post("/api/v1/customers", json=yen).status_code == 201
    order = {"order_id": "SO-1", "customer_id": "Y1", "amount": "9000000000000.00", "currency": "EUR"}
    refused = _errors(api.post("/api/v1/orders", json=order))
    assert refused[0]["code"] == "AMOUNT_TOO_LARGE" and "in the account currency" in refused[0]["message"]


def test_every_amount_of_the_api_beyond_the_bound_is_a_422(api: httpx.Client) -> None:
    """The 21 answers of 500 came from these: each now says AMOUNT_TOO_LARGE."""
    assert api.post("/api/v1/orders", json={"order_id": "SO-1", "customer_id": "C1", "amount": "10", "currency": "EUR"})
    money = {"amount": HUGE, "currency": "EUR"}
    posts = {
        "/api/v1/customers": {"customer_id": "C9", "name": "N", "currency": "EUR", "credit_limit": HUGE},
        "/api/v1/checks": {"customer_id": "C1", **money},
        "/api/v1/orders": {"order_id": "SO-2", "customer_id": "C1", **money},
        "/api/v1/orders/SO-1/amend": {"amendment_id": "A1", **money},
        "/api/v1/orders/SO-1/deliver": {"delivery_id": "D1", **money},
        "/api/v1/invoices": _invoice("I1", HUGE),
        "/api/v1/payments": _payment("P1", HUGE),
        "/api/v1/limit-requests": {"customer_id": "C1", "reason": "more", **money},
        "/api/v1/collections/promises": {
            "promise_id": "PR-1",
            "customer_id": "C1",
            "promised_on": "2026-04-30",
            **money,
        },
        "/api/v1/limits/allocate": {"budget": HUGE, "loss_budget": "1", "currency": "EUR"},
    }
    for path, body in posts.items():
        assert "AMOUNT_TOO_LARGE" in _codes(api.post(path, json=body)), path
    puts = {
        "/api/v1/customers/C1/credit-limit": {"reason": "more", **money},
        "/api/v1/groups/G1/credit-limit": {"reason": "pool", **money},
    }
    for path, body in puts.items():
        assert "AMOUNT_TOO_LARGE" in _codes(api.put(path, json=body)), path
    for path in ("/api/v1/reports/wcr?inventory=", "/api/v1/forecast/cash?opening_cash="):
        assert "AMOUNT_TOO_LARGE" in _codes(api.get(path + HUGE)), path


def test_the_openapi_document_states_the_bounds(api: httpx.Client) -> None:
    schemas = api.get("/openapi.json").json()["components"]["schemas"]
    amount = schemas["PaymentCreate"]["properties"]["amount"]
    assert amount["maxLength"] == 40 and amount["x-maximum-minor-units"] == MAX_MINOR
    assert str(MAX_MINOR) in amount["description"]
    customer_id = schemas["CheckRequest"]["properties"]["customer_id"]
    assert customer_id["maxLength"] == 64 and customer_id["pattern"].startswith("^[A-Za-z0-9]")


# --- ids and text ---------------------------------------------------------------------------


def _raw_json(client: httpx.Client, method: str, path: str, body: dict[str, Any]) -> httpx.Response:
    """json.dumps escapes a lone surrogate as \\ud800, as a client in another language would."""
    content = json.dumps(body)
    return client.request(method, path, content=content, headers={"content-type": "application/json"})


@pytest.mark.parametrize("bad", ["\ud800", "C\x00", "C\x1b1", "C" * 65, "C1\n"])
def test_an_id_with_a_lone_surrogate_a_control_character_or_too_long_is_a_422(api: httpx.Client, bad: str) -> None:
    check = _raw_json(api, "POST", "/api/v1/checks", {"customer_id": bad, "amount": "1", "currency": "EUR"})
    assert _errors(check)[0]["loc"] == ["body", "customer_id"]
    order = {"order_id": bad, "customer_id": "C1", "amount": "1", "currency": "EUR"}
    assert _errors(_raw_json(api, "POST", "/api/v1/orders", order))[0]["loc"] == ["body", "order_id"]


def test_free_text_the_database_cannot_store_is_a_422(api: httpx.Client) -> None:
    for name in ("Acme\ud800", "Acme\x00"):
        body = {"customer_id": "C2", "name": name, "currency": "EUR"}
        assert _codes(_raw_json(api, "POST", "/api/v1/customers", body)) == {"BAD_TEXT"}
    standing = {"reason": "ok\x00", "status": "on_hold"}
    assert _codes(_raw_json(api, "PUT", "/api/v1/customers/C1/standing", standing)) == {"BAD_TEXT"}
    note = {"reason": "line one\nline two\ttabbed", "status": "on_hold"}
    assert api.put("/api/v1/customers/C1/standing", json=note).status_code == 200


def test_ids_in_the_path_and_query_are_checked_before_the_database(api: httpx.Client) -> None:
    for path in ("/api/v1/customers/C%00", "/api/v1/orders/O%1B1", f"/api/v1/customers/{'C' * 65}/score"):
        assert _errors(api.get(path))[0]["loc"][0] == "path", path
    assert _errors(api.get("/api/v1/collections/promises?customer_id=C%00"))[0]["loc"] == ["query", "customer_id"]
    assert api.get("/api/v1/customers/NOPE").status_code == 404


# --- the database ---------------------------------------------------------------------------


def test_the_database_refuses_a_money_value_beyond_the_bound(services: Services) -> None:
    customer = {"customer_id": "C1", "name": "A", "currency": "EUR", "segment": "standard", "payment_terms_days": 30}
    account = {"customer_id": "C1", "currency": "EUR", "status": "active", "reserved_minor": 0}
    with services.engine.begin() as conn:
        conn.execute(insert(t.customers), customer)
        conn.execute(insert(t.credit_accounts), {**account, "limit_minor": MAX_MINOR, "receivable_minor": -MAX_MINOR})
    beyond = [("limit_minor", MAX_MINOR + 1), ("receivable_minor", -MAX_MINOR - 1), ("unapplied_minor", MAX_MINOR + 1)]
    for column, value in beyond:
        with pytest.raises(IntegrityError), services.engine.begin() as conn:
            conn.execute(update(t.credit_accounts).values({column: value}))


def test_after_payments_every_money_column_on_sqlite_holds_an_integer(api: httpx.Client, services: Services) -> None:
    if services.engine.dialect.name != "sqlite":
        pytest.skip("typeof() is SQLite's: PostgreSQL's bigint has no other storage class")
    assert api.post("/api/v1/invoices", json=_invoice("I1", "100.00")).status_code == 201
    payments = [("P1", HUGE), ("P2", HUGE), ("P3", "60.00"), ("P4", "70.00"), ("P5", LARGEST_EUR), ("P6", "0.01")]
    for payment_id, amount in payments:  # the first two made unapplied_minor a REAL (2^64 as a float)
        assert api.post("/api/v1/payments", json=_payment(payment_id, amount)).status_code in (201, 422)
    not_integers = []
    with services.engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            for column in table.columns:
                if column.name.endswith(("_minor", "_delta")):
                    kinds = conn.execute(text(f"SELECT DISTINCT typeof({column.name}) FROM {table.name}")).scalars()
                    not_integers += [
                        f"{table.name}.{column.name}: {kind}" for kind in kinds if kind not in ("integer", "null")
                    ]
    assert not_integers == []


# --- the web: search and paging -------------------------------------------------------------


@pytest.fixture
def web(services: Services) -> Iterator[httpx.Client]:
    add_user("ann", "correct horse", Role.VIEWER, services.uow(), services.hasher, "admin")
    with _test_client(create_app(services)) as client:
        form = client.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf is not None
        signed = client.post(
            "/login", data={"username": "ann", "password": "correct horse", "csrf": csrf.group(1), "next": "/"}
        )
        assert signed.status_code in (200, 303), signed.text
        yield client


def test_a_search_of_60000_characters_is_cut_with_a_message(web: httpx.Client) -> None:
    page = web.get("/", params={"q": "x" * 60_000})
    assert page.status_code == 200
    assert "cut to its first 200 characters" in page.text
    assert f'value="{"x" * 200}"' in page.text


@pytest.mark.parametrize("number", ["99999999999999999999", "-5", "0", "9" * 5000])
def test_any_page_number_answers_without_a_500(web: httpx.Client, number: str) -> None:
    assert web.get("/", params={"page": number}).status_code in (200, 422)


def test_a_customer_page_of_an_impossible_id_is_not_found(web: httpx.Client) -> None:
    assert web.get("/customers/C%00").status_code == 404


def test_percent_and_underscore_in_the_search_are_not_wildcards(services: Services, tmp_path: Path) -> None:
    customers = "customer_id,name,currency\nC1,Acme Trading,EUR\nC2,100% Foods,EUR\nC3,Under_score Ltd,EUR\n"
    assert import_file("customers", write_csv(tmp_path / "c.csv", customers), services.engine, services.clock).ok
    with services.engine.connect() as conn:

        def found(search: str) -> list[str]:
            return sorted(
                row.customer.name for row in queries.customer_page(conn, services.clock.today(), search=search)[1]
            )

        assert found("%") == ["100% Foods"]
        assert found("_") == ["Under_score Ltd"]
        assert found("acme") == ["Acme Trading"]
        assert found("0% f") == ["100% Foods"]
