"""Credit applications, notes and attachments over the API: a new customer from submission with
two documents to an approved account through four eyes, and the attacks on the way in."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import httpx
import jsonschema
from sqlalchemy import select

from creditdesk.adapters.db import tables as t
from creditdesk.bootstrap import Services
from creditdesk.domain.attachments import CSV, PDF
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.api.app import create_app
from creditdesk.entrypoints.worker.events_jobs import relay_settings
from creditdesk.entrypoints.worker.notify_jobs import notify_tick
from creditdesk.service import publishing
from creditdesk.service.auth import create_token

DOCS = Path(__file__).resolve().parents[2] / "docs"
STATEMENT = {  # a sound balance sheet: the statement model's grade 7 (an analyst may not decide alone)
    "period_end": "2025-12-31",
    "currency": "CNY",
    "revenue": "12000000",
    "total_assets": "8000000",
    "total_liabilities": "5000000",
    "current_assets": "4000000",
    "current_liabilities": "2500000",
    "equity": "3000000",
    "net_income": "400000",
    "ebit": "700000",
    "retained_earnings": "1500000",
}
BUREAU = {
    "provider": "dnb",
    "report_date": "2026-03-01",
    "score": 71,
    "pd": 0.02,
    "recommended_limit": "500000",
    "currency": "CNY",
}
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CSV_BYTES = "period,revenue\n2025,12000000\n备注,年报\n".encode()


def _client(services: Services) -> httpx.Client:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(create_app(services), raise_server_exceptions=False)


def _people(services: Services) -> dict[str, dict[str, str]]:
    headers = {}
    for name, role in (("sam", Role.SALES), ("ann", Role.ANALYST), ("amy", Role.ANALYST), ("max", Role.MANAGER)):
        with services.uow() as uow:  # API users without a password: no hashing, fast
            uow.users.add(name, "!", role.value, "en")
            uow.commit()
        token = create_token(f"{name}-api", services.uow(), services.clock, "admin", user=name)
        headers[name] = {"Authorization": f"Bearer {token}"}
    return headers


def _application(customer_id: str = "C-NEW-1", **extra: Any) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "name": "Ningbo Precision Castings Co., Ltd.",
        "currency": "CNY",
        "requested_limit": "150000",
        "requested_terms_days": 45,
        "segment": "standard",
        "country": "CN",
        "industry": "manufacturing",
        "registered_on": "2014-06-01",
        "expected_monthly_sales": "120000",
        "financials": [STATEMENT],
        "bureau": [BUREAU],
        **extra,
    }


def test_an_application_with_two_documents_becomes_a_customer_with_a_limit_through_four_eyes(
    services: Services,
) -> None:
    who = _people(services)
    with _client(services) as api:
        made = api.post("/api/v1/credit-applications", json=_application(), headers=who["sam"])
        assert made.status_code == 201, made.text
        app = made.json()
        app_id = app["application_id"]
        assert app["status"] == "pending" and app["grade"] == 7
        # The proposal under probation, with every method's working; never above the request.
        working = app["working"]
        assert working["policy_group"] == "probation"
        assert set(working["methods"]) >= {"need", "capacity", "bureau", "risk_budget"}
        assert working["final"]["formula"]
        assert app["proposed_limit"] == "150000.00" or float(app["proposed_limit"]) <= 150000
        assert app["proposed_terms_days"] == 45
        assert app["required_role"] == "manager" and app["approvals_needed"] == 2
        files = [
            ("file", ("accounts 2025.pdf", PDF_BYTES, "application/pdf")),
            ("file", ("../../figures.csv", CSV_BYTES, "text/csv")),
        ]
        uploaded = api.post(f"/api/v1/credit-applications/{app_id}/attachments", files=files, headers=who["sam"])
        assert uploaded.status_code == 201, uploaded.text
        stored = uploaded.json()["attachments"]
        assert [a["content_type"] for a in stored] == [PDF, CSV]
        assert stored[1]["filename"] == "figures.csv"  # no path
        note = api.post(
            f"/api/v1/credit-applications/{app_id}/notes", json={"body": "Met the CFO in Ningbo"}, headers=who["sam"]
        )
        assert note.status_code == 201, note.text

        # Four eyes: neither the submitter nor sales decides; the first analyst's approval waits for a second person.
        assert api.post(f"/api/v1/credit-applications/{app_id}/approve", json={}, headers=who["sam"]).status_code == 403
        first = api.post(f"/api/v1/credit-applications/{app_id}/approve", json={"comment": "fine"}, headers=who["ann"])
        assert first.status_code == 200, first.text
        assert first.json()["status"] == "pending" and [a["by"] for a in first.json()["approvals"]] == ["ann"]
        again = api.post(f"/api/v1/credit-applications/{app_id}/approve", json={}, headers=who["ann"])
        assert again.status_code == 403 and "another person" in again.json()["detail"]
        beyond = api.post(f"/api/v1/credit-applications/{app_id}/approve", json={}, headers=who["amy"])
        assert beyond.status_code == 403 and "needs a manager" in beyond.json()["detail"]
        decided = api.post(f"/api/v1/credit-applications/{app_id}/approve", json={}, headers=who["max"])
        assert decided.status_code == 200, decided.text
        body = decided.json()
        assert body["status"] == "approved" and [a["by"] for a in body["approvals"]] == ["ann", "max"]
        assert body["review_on"] == "2026-06-29"  # 90 days of probation from 2026-03-31

        customer = api.get("/api/v1/customers/C-NEW-1", headers=who["sam"]).json()
        assert customer["credit_limit"] == body["decided_limit"] and customer["payment_terms_days"] == 45
        listed = api.get("/api/v1/credit-applications", params={"status": "approved"}, headers=who["sam"]).json()
        assert [a["application_id"] for a in listed["applications"]] == [app_id]
        shown = api.get(f"/api/v1/credit-applications/{app_id}", headers=who["sam"]).json()
        assert len(shown["attachments"]) == 2 and shown["notes"][0]["customer_id"] == "C-NEW-1"
        # The customer's own attachments and notes now include the application's.
        mine = api.get("/api/v1/attachments", params={"customer_id": "C-NEW-1"}, headers=who["sam"]).json()
        assert mine["count"] == 2
        pdf = next(a for a in mine["attachments"] if a["content_type"] == PDF)
        got = api.get(pdf["download"], headers=who["sam"])
        assert got.content == PDF_BYTES
        assert got.headers["content-disposition"].startswith("attachment;")
        assert got.headers["x-content-type-options"] == "nosniff"
        assert api.get(pdf["download"]).status_code == 401
        # Decided once: a third approval is a conflict.
        assert api.post(f"/api/v1/credit-applications/{app_id}/approve", json={}, headers=who["amy"]).status_code == 409

    with services.engine.connect() as conn:
        change = conn.execute(select(t.limit_changes).where(t.limit_changes.c.customer_id == "C-NEW-1")).one()
        assert change.source == "application" and change.amount_minor == round(float(body["decided_limit"]) * 100)
        assert conn.execute(
            select(t.financial_statements.c.period_end).where(t.financial_statements.c.customer_id == "C-NEW-1")
        ).all()
        assert (
            conn.execute(
                select(t.bureau_reports.c.provider).where(t.bureau_reports.c.customer_id == "C-NEW-1")
            ).scalar()
            == "dnb"
        )
        assert (
            conn.execute(
                select(t.customer_versions.c.version).where(t.customer_versions.c.customer_id == "C-NEW-1")
            ).scalar()
            == 1
        )
        assert (
            str(
                conn.execute(
                    select(t.credit_accounts.c.next_review_on).where(t.credit_accounts.c.customer_id == "C-NEW-1")
                ).scalar()
            )
            == "2026-06-29"
        )
        events = conn.execute(
            select(t.outbox.c.type, t.outbox.c.payload).where(t.outbox.c.stream == f"application:{app_id}")
        ).all()
        assert [e.type for e in events] == ["application.submitted", "application.decided"]
        assert json.loads(events[1].payload)["approvals"] == ["ann", "max"]
    for event in events:  # the published schemas (docs/events/) hold for the real payloads
        schema = json.loads((DOCS / "events" / f"{event.type}.schema.json").read_text())
        jsonschema.validate(json.loads(event.payload), schema)
    # The deciders are told of the submission (not its submitter), with a link to the application.
    publishing.publish(services.event_store(), services.clock, relay_settings(services.settings))
    notify_tick(services)
    with services.engine.connect() as conn:
        n = t.notifications
        told = conn.execute(select(n.c.username, n.c.link).where(n.c.kind == "application.submitted")).all()
    assert sorted(u for u, _ in told) == ["amy", "ann", "max"] and told[0].link == f"/applications/{app_id}"


def test_rejection_keeps_its_reason_withdrawal_is_the_submitters_and_a_strong_applicant_needs_one_approver(
    sqlite_services: Services,
) -> None:
    services = sqlite_services
    who = _people(services)
    strong = dict(STATEMENT, net_income="900000", equity="5000000", total_liabilities="3000000")
    with _client(services) as api:
        one = api.post(
            "/api/v1/credit-applications", json=_application("C-A", financials=[strong]), headers=who["sam"]
        ).json()
        assert one["grade"] == 6 and one["approvals_needed"] == 1
        assert (
            api.post(
                f"/api/v1/credit-applications/{one['application_id']}/reject", json={"comment": ""}, headers=who["ann"]
            ).status_code
            == 422
        )
        rejected = api.post(
            f"/api/v1/credit-applications/{one['application_id']}/reject",
            json={"comment": "group in arrears"},
            headers=who["ann"],
        )
        assert rejected.json()["status"] == "rejected" and rejected.json()["reason"] == "group in arrears"
        assert api.get("/api/v1/customers/C-A", headers=who["sam"]).status_code == 404

        two = api.post(
            "/api/v1/credit-applications", json=_application("C-B", financials=[strong]), headers=who["sam"]
        ).json()
        with services.uow() as uow:
            uow.users.add("sue", "!", "sales", "en")
            uow.commit()
        sue = {
            "Authorization": f"Bearer {create_token('sue-api', services.uow(), services.clock, 'admin', user='sue')}"
        }
        assert (
            api.post(f"/api/v1/credit-applications/{two['application_id']}/withdraw", json={}, headers=sue).status_code
            == 403
        )
        gone = api.post(f"/api/v1/credit-applications/{two['application_id']}/withdraw", json={}, headers=who["sam"])
        assert gone.json()["status"] == "withdrawn"

        # An analyst who submits may not approve their own application; another sales user never approves.
        own = api.post(
            "/api/v1/credit-applications", json=_application("C-OWN", financials=[strong]), headers=who["ann"]
        )
        own_id = own.json()["application_id"]
        mine = api.post(f"/api/v1/credit-applications/{own_id}/approve", json={}, headers=who["ann"])
        assert mine.status_code == 403 and "four eyes" in mine.json()["detail"]
        assert api.post(f"/api/v1/credit-applications/{own_id}/approve", json={}, headers=sue).status_code == 403
        assert (
            api.post(
                f"/api/v1/credit-applications/{own_id}/reject", json={"comment": "no"}, headers=who["ann"]
            ).status_code
            == 403
        )
        assert api.get(f"/api/v1/credit-applications/{own_id}", headers=sue).json()["status"] == "pending"

        three = api.post(
            "/api/v1/credit-applications", json=_application("C-C", financials=[strong]), headers=who["sam"]
        ).json()
        approved = api.post(
            f"/api/v1/credit-applications/{three['application_id']}/approve",
            json={"limit": "100000"},
            headers=who["ann"],
        )
        assert approved.json()["status"] == "approved" and approved.json()["decided_limit"] == "100000.00"
        assert api.get("/api/v1/customers/C-C", headers=who["sam"]).json()["credit_limit"] == "100000.00"
        # An existing customer cannot apply again; bad input is a 422, never a 500.
        assert api.post("/api/v1/credit-applications", json=_application("C-C"), headers=who["sam"]).status_code == 409
        bad = _application("C-D", financials=[dict(STATEMENT, revenue="lots")])
        assert api.post("/api/v1/credit-applications", json=bad, headers=who["sam"]).status_code == 422
        viewer = api.get("/api/v1/credit-applications", params={"status": "nonsense"}, headers=who["sam"])
        assert viewer.status_code == 422


def test_uploads_are_refused_by_their_content_and_size(sqlite_services: Services) -> None:
    services = sqlite_services
    who = _people(services)
    services.settings.attachment_max_bytes = 4096
    with _client(services) as api:
        app_id = api.post("/api/v1/credit-applications", json=_application(), headers=who["sam"]).json()[
            "application_id"
        ]
        url = f"/api/v1/credit-applications/{app_id}/attachments"
        exe = api.post(
            url, files=[("file", ("report.pdf", b"MZ\x90\x00" + b"\x00" * 64, "application/pdf"))], headers=who["sam"]
        )
        assert exe.status_code == 422 and exe.headers["content-type"].startswith("application/problem+json")
        assert "programs are not accepted" in exe.json()["detail"]
        big = api.post(url, files=[("file", ("big.csv", b"a,b\n" * 2000, "text/csv"))], headers=who["sam"])
        assert big.status_code == 413 and big.headers["content-type"].startswith("application/problem+json")
        # Someone else's application: a sales user may not attach to it.
        with services.uow() as uow:
            uow.users.add("sue", "!", "sales", "en")
            uow.commit()
        sue = {
            "Authorization": f"Bearer {create_token('sue-api', services.uow(), services.clock, 'admin', user='sue')}"
        }
        assert api.post(url, files=[("file", ("a.pdf", PDF_BYTES, "application/pdf"))], headers=sue).status_code == 403
        # The same bytes twice: stored once, one record.
        first = api.post(url, files=[("file", ("a.pdf", PDF_BYTES, "application/pdf"))], headers=who["sam"]).json()
        second = api.post(url, files=[("file", ("b.pdf", PDF_BYTES, "application/pdf"))], headers=who["sam"]).json()
        assert first["attachments"][0]["attachment_id"] == second["attachments"][0]["attachment_id"]
    stored = list((services.settings.var_dir / "attachments").rglob("*"))
    assert len([p for p in stored if p.is_file()]) == 1


def test_notes_are_written_by_analysts_read_by_all_searchable_and_in_the_timeline(services: Services) -> None:
    from creditdesk.adapters.db.customer_views import timeline

    who = _people(services)
    with _client(services) as api:
        made = api.post(
            "/api/v1/customers", json={"customer_id": "C-OLD", "name": "Old Co", "currency": "CNY"}, headers=who["ann"]
        )
        assert made.status_code in (200, 201), made.text
        assert api.post("/api/v1/customers/C-OLD/notes", json={"body": "x"}, headers=who["sam"]).status_code == 403
        wrote = api.post(
            "/api/v1/customers/C-OLD/notes",
            json={"body": "Promised to pay the March invoices by Friday"},
            headers=who["ann"],
        )
        assert wrote.status_code == 201, wrote.text
        generic = api.post(
            "/api/v1/notes",
            json={"subject_kind": "customer", "subject_id": "C-OLD", "body": "Visit planned"},
            headers=who["max"],
        )
        assert generic.status_code == 201
        assert (
            api.post(
                "/api/v1/notes",
                json={"subject_kind": "customer", "subject_id": "NOPE", "body": "x"},
                headers=who["ann"],
            ).status_code
            == 404
        )
        assert (
            api.post("/api/v1/customers/C-OLD/notes", json={"body": "x" * 4001}, headers=who["ann"]).status_code == 422
        )
        found = api.get("/api/v1/notes", params={"q": "MARCH"}, headers=who["sam"]).json()
        assert [n["body"] for n in found["notes"]] == ["Promised to pay the March invoices by Friday"]
        assert api.get("/api/v1/notes", params={"q": "c-old"}, headers=who["sam"]).json()["count"] == 2
        assert api.get("/api/v1/notes", params={"q": "100%_"}, headers=who["sam"]).json()["count"] == 0
    with services.engine.connect() as conn:
        kinds = [e.kind for e in timeline(conn, "C-OLD")]
    assert kinds.count("note:customer") == 2


def _sign_in(services: Services, name: str) -> httpx.Client:
    hashed = services.hasher.hash("correct horse")
    with services.engine.begin() as conn:
        conn.execute(t.users.update().where(t.users.c.username == name).values(password_hash=hashed))
    web = _client(services)
    web.__enter__()
    form = web.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    signed = web.post(
        "/login",
        data={"username": name, "password": "correct horse", "csrf": token.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text[:300]
    return web


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_the_web_form_submits_with_two_files_an_analyst_approves_and_a_forged_form_is_refused(
    sqlite_services: Services,
) -> None:
    services = sqlite_services
    _people(services)
    sam, ann = (_sign_in(services, name) for name in ("sam", "ann"))
    strong = dict(STATEMENT, net_income="900000", equity="5000000", total_liabilities="3000000")  # one approver
    try:
        page = sam.get("/applications")
        assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
        fields = {"customer_id": "C-WEB", "name": "Web Co", "currency": "CNY", "segment": "standard",
                  "requested_limit": "150000", "requested_terms_days": "45", "expected_monthly_sales": "120000",
                  "period_end": "2025-12-31", **{k: v for k, v in strong.items() if k not in ("period_end", "currency")}}  # fmt: skip
        files = [("file", ("a.pdf", PDF_BYTES, "application/pdf")), ("file", ("b.csv", CSV_BYTES, "text/csv"))]
        forged = sam.post("/applications", data={**fields, "csrf": "forged"}, files=files, follow_redirects=False)
        assert forged.status_code == 303 and forged.headers["location"] == "/applications"
        assert sam.get("/api/v1/credit-applications").status_code == 401  # the API needs a token, never the cookie
        with services.engine.connect() as conn:
            assert conn.execute(select(t.credit_applications.c.application_id)).first() is None
        made = sam.post("/applications", data={**fields, "csrf": _csrf(page.text)}, files=files, follow_redirects=False)
        assert made.status_code == 303, made.text[:500]
        where = made.headers["location"]
        shown = sam.get(where).text
        assert "a.pdf" in shown and "b.csv" in shown and "working" in shown
        assert 'id="approve-form"' not in shown  # the submitter is not offered the decision
        first = ann.get(where)
        assert ann.post(where + "/approve", data={"csrf": _csrf(first.text)}, follow_redirects=False).status_code == 303
        done = ann.get(where).text
        assert 'id="customer-link"' in done
        customer = ann.get("/customers/C-WEB")
        assert customer.status_code == 200 and 'id="notes"' in customer.text and "a.pdf" in customer.text
        note = ann.post(
            "/customers/C-WEB/notes",
            data={"csrf": _csrf(customer.text), "body": "首次拜访：付款意愿良好"},
            follow_redirects=False,
        )
        assert note.status_code == 303
        assert "首次拜访" in ann.get("/customers/C-WEB").text
        link = re.search(r'href="(/attachments/[^"]+)"', customer.text)
        assert link is not None
        got = ann.get(link.group(1))
        assert (
            got.headers["content-disposition"].startswith("attachment;")
            and got.headers["x-content-type-options"] == "nosniff"
        )
        zh = ann.get("/lang/zh?next=/applications", follow_redirects=True)
        assert "授信申请" in zh.text
    finally:
        for web in (sam, ann):
            web.__exit__(None, None, None)
    with services.engine.connect() as conn:
        limit = conn.execute(
            select(t.credit_accounts.c.limit_minor).where(t.credit_accounts.c.customer_id == "C-WEB")
        ).scalar()
    assert limit is not None and limit > 0


def test_an_application_through_a_company_code_opens_its_credit_segment(sqlite_services: Services) -> None:
    from creditdesk.domain.company_codes import CompanyCode
    from creditdesk.service.segments import AddCompanyCode, add_company_code

    services = sqlite_services
    company = AddCompanyCode(CompanyCode("NB01", "Ningbo sales", "CNY"), "admin", Role.ADMIN)
    add_company_code(company, services.uow(), services.clock)
    who = _people(services)
    with _client(services) as api:
        made = api.post("/api/v1/credit-applications", json=_application(company_code="NB01"), headers=who["sam"])
        assert made.status_code == 201, made.text
        app_id = made.json()["application_id"]
        for person in ("ann", "max"):
            decided = api.post(f"/api/v1/credit-applications/{app_id}/approve", json={}, headers=who[person])
            assert decided.status_code == 200, decided.text
        assert decided.json()["status"] == "approved"
        limit = decided.json()["decided_limit"]
        segments = api.get("/api/v1/customers/C-NEW-1/segments", headers=who["sam"]).json()
    assert [(s["company_code"], s["credit_limit"]) for s in segments["segments"]] == [("NB01", limit)]
    assert segments["total_limit"] == limit
