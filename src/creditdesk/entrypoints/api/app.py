"""The ASGI application: API, web pages and static assets, all served locally."""

from __future__ import annotations

from fastapi import FastAPI

from creditdesk.bootstrap import Services, bootstrap
from creditdesk.entrypoints import metrics
from creditdesk.entrypoints.api import health, problems
from creditdesk.entrypoints.api.applications import router as applications_router
from creditdesk.entrypoints.api.collections import router as collections_router
from creditdesk.entrypoints.api.cover import router as cover_router
from creditdesk.entrypoints.api.customers import router as customers_router
from creditdesk.entrypoints.api.deps import TokenCache
from creditdesk.entrypoints.api.disputes import router as disputes_router
from creditdesk.entrypoints.api.events import router as events_router
from creditdesk.entrypoints.api.forecast import router as forecast_router
from creditdesk.entrypoints.api.jobs import router as jobs_router
from creditdesk.entrypoints.api.limits import router as limits_router
from creditdesk.entrypoints.api.notes import router as notes_router
from creditdesk.entrypoints.api.notifications import router as notifications_router
from creditdesk.entrypoints.api.orders import router as orders_router
from creditdesk.entrypoints.api.reports import router as reports_router
from creditdesk.entrypoints.api.revaluations import router as revaluations_router
from creditdesk.entrypoints.api.routes import router
from creditdesk.entrypoints.api.scores import router as scores_router
from creditdesk.entrypoints.api.segments import router as segments_router
from creditdesk.entrypoints.body_limit import BodyLimit
from creditdesk.entrypoints.bounded import HeavyReads
from creditdesk.entrypoints.observability import Observability
from creditdesk.entrypoints.security_headers import SecurityHeaders


def create_app(services: Services | None = None) -> FastAPI:
    services = services or bootstrap()
    app = FastAPI(
        title="creditdesk",
        version="0.1.0",
        description="Customer credit limit management: checks, limits, receivables.",
        # The interactive docs load their scripts from a CDN: nothing is fetched from elsewhere.
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services
    app.state.token_cache = TokenCache(ttl=services.settings.token_cache_seconds)
    app.state.heavy = HeavyReads()  # expensive reads: a few at a time, kept per data version
    problems.install(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    health.install(app, services)  # /readyz: the database answers, its schema is at head
    metrics.install(app, services)  # /metrics: Prometheus (loopback, a token, or public by settings)

    errors = problems.error_responses()
    for api in (
        router,
        orders_router,
        scores_router,
        limits_router,
        reports_router,
        forecast_router,
        collections_router,
        events_router,
        notifications_router,
        jobs_router,
    ):
        app.include_router(api, responses=errors)
    app.include_router(applications_router, responses=errors)  # credit applications (docs/applications.md)
    app.include_router(notes_router, responses=errors)  # notes and attachments
    app.include_router(customers_router, responses=errors)  # master data (docs/master-data.md)
    app.include_router(disputes_router, responses=errors)  # dispute cases (docs/disputes.md)
    app.include_router(cover_router, responses=errors)  # insurance, guarantees, claims (docs/disputes.md)
    app.include_router(segments_router, responses=errors)  # company codes and credit segments (docs/segments.md)
    app.include_router(revaluations_router, responses=errors)  # month-end revaluation (docs/currencies.md)
    from creditdesk.entrypoints.web import site

    site.install(app, services)  # the session cookie, static files, what the pages share
    for pages in site.PAGE_ROUTERS:
        app.include_router(pages)
    settings = services.settings
    app.add_middleware(BodyLimit, max_bytes=settings.request_max_bytes, max_upload_bytes=settings.upload_max_bytes)
    app.add_middleware(Observability)  # request ids, the JSON log line, the request metrics
    app.add_middleware(SecurityHeaders, trust_forwarded_proto=services.settings.trust_forwarded_proto)
    return app
