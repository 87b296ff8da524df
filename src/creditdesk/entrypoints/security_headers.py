"""Security headers on every response, and HSTS once the request came over https.

The pages load nothing from elsewhere, so the policy can be strict: only this origin's scripts
(the charts: the vendored Apache ECharts and static/charts.js; no inline script runs, the charts'
figures are JSON data blocks), its style sheet (and inline style attributes, which the charts set
too), images inline or from here, forms posted back here, and never inside another site's frame.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def came_over_https(scope: Scope, trust_forwarded_proto: bool) -> bool:
    """https to us, or to the proxy in front when its X-Forwarded-Proto is trusted (settings)."""
    if scope.get("scheme") == "https":
        return True
    if not trust_forwarded_proto:
        return False
    headers: dict[bytes, bytes] = dict(scope.get("headers") or [])
    forwarded = headers.get(b"x-forwarded-proto", b"")
    return forwarded.split(b",")[0].strip().lower() == b"https"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, trust_forwarded_proto: bool = False) -> None:
        self.app = app
        self.trust_forwarded_proto = trust_forwarded_proto

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(HEADERS)
        if came_over_https(scope, self.trust_forwarded_proto):
            extra.append(HSTS)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)
