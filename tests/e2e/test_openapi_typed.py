"""The OpenAPI is typed and true (issue 18): every /api/v1 operation declares a success body with
a real schema, the bearer scheme and its problem+json errors; and the bodies a live demo server
answers validate against the schemas its own /openapi.json publishes."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import httpx
import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.conftest import TEST_TODAY
from tests.e2e.conftest import DemoServer

pytestmark = pytest.mark.e2e
PROBLEM_JSON = "application/problem+json"
ERRORS = {"400", "401", "403", "404", "409", "422", "429", "503"}
_ids = itertools.count(1)


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in spec["paths"].items()
        if path.startswith("/api/v1")
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def success_schemas(op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        status: response["content"]["application/json"]["schema"]
        for status, response in op["responses"].items()
        if status.startswith("2") and "application/json" in response.get("content", {})
    }


class Schemas:
    """The live server's OpenAPI: each operation's response schemas, ``$ref``s resolved by a registry."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        resource = Resource.from_contents(spec, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource("urn:openapi", resource)

    def schema(self, method: str, path: str, status: int, media: str = "application/json") -> dict[str, Any]:
        response = self.spec["paths"][path][method]["responses"][str(status)]
        schema = copy.deepcopy(response["content"][media]["schema"])
        return _absolute(schema)

    def validate(self, method: str, path: str, answer: httpx.Response) -> None:
        media = answer.headers["content-type"].split(";")[0]
        assert str(answer.status_code) in self.spec["paths"][path][method]["responses"], (path, answer.status_code)
        schema = self.schema(method, path, answer.status_code, media)
        validator = jsonschema.Draft202012Validator(schema, registry=self.registry)
        errors = sorted(validator.iter_errors(answer.json()), key=lambda e: list(e.path))
        assert not errors, f"{method.upper()} {path} {answer.status_code}: " + "; ".join(
            f"{list(e.path)}: {e.message[:200]}" for e in errors[:5]
        )


def _absolute(schema: Any) -> Any:
    """``#/components/...`` refs point into the OpenAPI document registered as ``urn:openapi``."""
    if isinstance(schema, dict):
        return {
            k: (f"urn:openapi{v}" if k == "$ref" and isinstance(v, str) and v.startswith("#") else _absolute(v))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_absolute(v) for v in schema]
    return schema


@pytest.fixture(scope="module")
def spec(demo_server: DemoServer) -> dict[str, Any]:
    found: dict[str, Any] = httpx.get(f"{demo_server.url}/openapi.json", timeout=60).json()
    return found


def test_every_operation_declares_a_typed_body_the_bearer_scheme_and_its_errors(spec: dict[str, Any]) -> None:
    scheme = spec["components"]["securitySchemes"]
    bearer = [name for name, s in scheme.items() if s == {**s, "type": "http", "scheme": "bearer"}]
    assert bearer, scheme
    found = operations(spec)
    assert len(found) >= 43
    for method, path, op in found:
        where = f"{method.upper()} {path}"
        bodies = success_schemas(op)
        assert bodies, f"{where}: no JSON success body"
        for status, schema in bodies.items():
            assert schema not in ({}, {"type": "object"}), f"{where} {status}: an empty schema"
            assert "$ref" in schema or schema.get("properties"), f"{where} {status}: not a typed object: {schema}"
            if "$ref" in schema:
                target = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
                assert target.get("properties"), f"{where}: {schema['$ref']} has no properties"
        assert {name for requirement in op.get("security", []) for name in requirement} & set(bearer), where
        declared = set(op["responses"])
        assert declared >= ERRORS, f"{where}: undocumented errors {ERRORS - declared}"
        for status in ERRORS:
            assert PROBLEM_JSON in op["responses"][status]["content"], f"{where} {status}"
    for path in ("/healthz", "/readyz", "/metrics"):
        assert path not in spec["paths"]


def test_workbook_downloads_declare_their_media_type(spec: dict[str, Any]) -> None:
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    for path in ("/api/v1/reports/{name}", "/api/v1/reports/wcr", "/api/v1/forecast/cash", "/api/v1/forecast/invoices",
                 "/api/v1/collections/worklist"):  # fmt: skip
        assert xlsx in spec["paths"][path]["get"]["responses"]["200"]["content"], path


def test_a_wrong_type_fails_validation(spec: dict[str, Any]) -> None:
    """The negative control: the validation below can fail."""
    schemas = Schemas(spec)
    body = {"customer_id": "C1", "name": "N", "currency": "CNY", "segment": "standard", "group_id": None,
            "country": None, "industry": None, "registered_on": None, "payment_terms_days": 30,
            "credit_limit": "1.00", "limit_expires_on": None, "available": "1.00", "status": "active",
            "exposure": {"receivables": "0", "orders": "0", "total": "0", "delivered": "0"}}  # fmt: skip
    good = httpx.Response(200, json=body, headers={"content-type": "application/json"})
    schemas.validate("get", "/api/v1/customers/{customer_id}", good)
    for wrong in ({"credit_limit": 1.0}, {"payment_terms_days": "30"}, {"exposure": {"receivables": "0"}}):
        bad = httpx.Response(200, json={**body, **wrong}, headers={"content-type": "application/json"})
        with pytest.raises(AssertionError):
            schemas.validate("get", "/api/v1/customers/{customer_id}", bad)
    order = {"order_id": "O", "customer_id": "C", "status": "open", "amount": "1.00", "order_currency": "CNY",
             "account_amount": "1.00", "fx_rate": None, "reserved": "1.00", "delivered": "0.00", "reasons": "none"}  # fmt: skip
    with pytest.raises(AssertionError):
        schemas.validate("get", "/api/v1/orders/{order_id}", httpx.Response(200, json=order))


def test_live_bodies_match_the_published_schemas(demo_server: DemoServer, spec: dict[str, Any]) -> None:
    schemas = Schemas(spec)
    sales, admin, boss = demo_server.client("sales"), demo_server.client("admin"), demo_server.client("manager")
    account = sales.get("/api/v1/customers/C000003").json()
    customer, group, ccy = account["customer_id"], account["group_id"], account["currency"]
    checked: set[tuple[str, str]] = set()

    def call(client: httpx.Client, method: str, template: str, url: str | None = None, **kw: Any) -> httpx.Response:
        answer = client.request(method.upper(), url or template, **kw)
        assert answer.status_code < 300 or answer.status_code in {404, 409, 422}, (url or template, answer.text)
        schemas.validate(method, template, answer)
        if answer.status_code < 300:
            checked.add((method, template))
        return answer

    n = next(_ids)
    order = {"order_id": f"TYPED-O{n}", "customer_id": customer, "amount": "1.00", "currency": ccy}
    check = {"customer_id": customer, "amount": "1.00", "currency": ccy}
    assert call(sales, "post", "/api/v1/checks", json=check).status_code == 200
    assert call(sales, "post", "/api/v1/orders", json=order).status_code == 201
    assert call(sales, "post", "/api/v1/orders", json=order).status_code == 200  # the replay
    held = {**order, "order_id": f"TYPED-H{n}", "amount": "900000000.00"}
    call(sales, "post", "/api/v1/orders", json=held)
    call(boss, "post", "/api/v1/orders/{order_id}/release", f"/api/v1/orders/{held['order_id']}/release",
         json={"comment": "typed"})  # fmt: skip
    request = {"customer_id": customer, "amount": "1.00", "currency": ccy, "reason": "typed"}
    made = call(sales, "post", "/api/v1/limit-requests", json=request)
    assert made.status_code == 201
    call(sales, "get", "/api/v1/limit-requests/{request_id}", f"/api/v1/limit-requests/{made.json()['request_id']}")
    invoice = {"invoice_id": f"TYPED-I{n}", "customer_id": customer, "invoice_date": TEST_TODAY,
               "due_date": TEST_TODAY, "amount": "1.00", "currency": ccy}  # fmt: skip
    assert call(admin, "post", "/api/v1/invoices", json=invoice).status_code == 201
    payment = {"payment_id": f"TYPED-P{n}", "customer_id": customer, "payment_date": TEST_TODAY, "amount": "1.00",
               "currency": ccy}  # fmt: skip
    assert call(admin, "post", "/api/v1/payments", json=payment).status_code == 201
    promise = {"promise_id": f"TYPED-PR{n}", "customer_id": customer, "amount": "1.00", "currency": ccy,
               "promised_on": TEST_TODAY}  # fmt: skip
    assert call(admin, "post", "/api/v1/collections/promises", json=promise).status_code == 201
    applied = {"customer_id": f"TYPED-AP{n}", "name": "Typed", "currency": ccy, "requested_limit": "1000",
               "requested_terms_days": 30}  # fmt: skip
    application = call(sales, "post", "/api/v1/credit-applications", json=applied).json()["application_id"]
    call(admin, "post", "/api/v1/notes", json={"subject_kind": "customer", "subject_id": customer, "body": "typed"})
    disputed = {**invoice, "invoice_id": f"TYPED-ID{n}"}
    assert call(admin, "post", "/api/v1/invoices", json=disputed).status_code == 201
    case = call(admin, "post", "/api/v1/disputes", json={"invoice_id": disputed["invoice_id"], "reason_code": "price",
                                                          "amount": "0.50"}).json()  # fmt: skip
    call(admin, "post", "/api/v1/cover", json={"customer_id": customer, "kind": "insurance", "provider": "Sinosure",
                                               "amount": "1000.00", "currency": ccy, "valid_from": TEST_TODAY,
                                               "cover_share": "0.9"})  # fmt: skip

    gets = {
        "/api/v1/customers/{customer_id}": [f"/api/v1/customers/{customer}"],
        "/api/v1/customers/{customer_id}/history": [f"/api/v1/customers/{customer}/history"],
        "/api/v1/customers": ["/api/v1/customers?q=c&limit=5", "/api/v1/customers?status=active&segment=standard"],
        "/api/v1/company-codes": ["/api/v1/company-codes"],
        "/api/v1/customers/{customer_id}/segments": [f"/api/v1/customers/{customer}/segments"],
        "/api/v1/orders/{order_id}": [f"/api/v1/orders/{order['order_id']}", f"/api/v1/orders/{held['order_id']}"],
        "/api/v1/worklists/blocked-orders": ["/api/v1/worklists/blocked-orders"],
        "/api/v1/ledger/reconcile": ["/api/v1/ledger/reconcile"],
        "/api/v1/customers/{customer_id}/score": [f"/api/v1/customers/{customer}/score"],  # 404 before scoring
        "/api/v1/models": ["/api/v1/models"],
        "/api/v1/customers/{customer_id}/limit-recommendation": [f"/api/v1/customers/{customer}/limit-recommendation"],
        "/api/v1/limit-requests": ["/api/v1/limit-requests?status=all"],
        "/api/v1/customers/{customer_id}/limit-history": [f"/api/v1/customers/{customer}/limit-history"],
        "/api/v1/reviews/due": ["/api/v1/reviews/due?as_of=2030-01-01"],
        "/api/v1/portfolio/concentration": ["/api/v1/portfolio/concentration"],
        "/api/v1/reports/wcr": ["/api/v1/reports/wcr?terms_change_days=5", "/api/v1/reports/wcr?by=customer",
                                "/api/v1/reports/wcr?by=segment"],
        "/api/v1/reports/{name}": [f"/api/v1/reports/{name}{by}" for name in ("aging", "dso", "cei", "ecl", "trends")
                                   for by in ("", "?by=segment")] + ["/api/v1/reports/aging?by=customer&buckets=30,60"],
        "/api/v1/forecast/cash": ["/api/v1/forecast/cash?opening_cash=1000000&outflow_per_week=50000"],
        "/api/v1/forecast/invoices": [f"/api/v1/forecast/invoices?customer_id={customer}"],
        "/api/v1/forecast/backtest": ["/api/v1/forecast/backtest?start=2026-03-01&end=2026-05-31"],
        "/api/v1/collections/worklist": ["/api/v1/collections/worklist"],
        "/api/v1/collections/promises": ["/api/v1/collections/promises"],
        "/api/v1/events": ["/api/v1/events?after=0&limit=50"],
        "/api/v1/jobs": ["/api/v1/jobs?limit=20"],
        "/api/v1/notifications": ["/api/v1/notifications"],
        "/api/v1/webhooks": ["/api/v1/webhooks"],
        "/api/v1/webhooks/deliveries": ["/api/v1/webhooks/deliveries?status=failed"],
        "/api/v1/credit-applications": ["/api/v1/credit-applications?status=pending"],
        "/api/v1/credit-applications/{application_id}": [f"/api/v1/credit-applications/{application}"],
        "/api/v1/notes": ["/api/v1/notes?q=typed", f"/api/v1/notes?customer_id={customer}"],
        "/api/v1/attachments": [f"/api/v1/attachments?customer_id={customer}"],
        "/api/v1/disputes": ["/api/v1/disputes", "/api/v1/disputes?status=all&sort=amount"],
        "/api/v1/disputes/{dispute_id}": [f"/api/v1/disputes/{case['dispute_id']}"],
        "/api/v1/cover": [f"/api/v1/cover?customer_id={customer}"],
        "/api/v1/cover/attention": ["/api/v1/cover/attention"],
        "/api/v1/insurance-claims": ["/api/v1/insurance-claims"],
    }  # fmt: skip
    for template, urls in gets.items():
        for url in urls:
            call(admin, "get", template, url)
    call(sales, "post", "/api/v1/limits/allocate", json={"budget": "50000000.00", "loss_budget": "500000.00",
                                                         "currency": ccy})  # fmt: skip
    if group is not None:
        call(admin, "put", "/api/v1/groups/{group_id}/credit-limit", f"/api/v1/groups/{group}/credit-limit",
             json={"amount": "100000000.00", "currency": ccy, "reason": "typed"})  # fmt: skip

    every_get = {(m, p) for m, p, _ in operations(spec) if m == "get"} - {
        ("get", "/api/v1/customers/{customer_id}/score")
    }
    assert every_get <= checked, every_get - checked
    writes = {("post", f"/api/v1/{p}") for p in ("checks", "orders", "limit-requests", "invoices", "payments")}
    assert writes | {("post", "/api/v1/collections/promises"), ("post", "/api/v1/limits/allocate")} <= checked
