"""The largest request body the app reads: a JSON document or a form at most ``request_max_bytes``,
a file upload (multipart) at most ``upload_max_bytes``. A larger one is answered 413 with
problem+json before the app reads it, whether it says its length or streams it in chunks; the
routes' own limits (an attachment's, an import file's) stay below these and explain themselves."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _problem(limit: int) -> bytes:
    return json.dumps(
        {
            "type": "https://creditdesk.dev/problems/413",
            "title": "Request body too large",
            "status": 413,
            "detail": f"the request body is larger than the {limit:,} bytes this server reads",
        }
    ).encode()


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes

    def _limit(self, scope: Scope) -> int:
        headers = dict(scope.get("headers") or [])
        upload = headers.get(b"content-type", b"").lower().startswith(b"multipart/")
        return self.max_upload_bytes if upload else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        state: dict[str, Any] = {"read": 0, "over": False, "started": False}

        async def bounded_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["read"] += len(message.get("body", b""))
                if state["read"] > limit:
                    # Streamed past the limit: the app sees the client go away; the client gets 413.
                    state["over"] = True
                    if not state["started"]:
                        state["started"] = True
                        await self._refuse(send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if state["over"]:
                return  # the 413 has been sent: whatever the app still says is dropped
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        await self.app(scope, bounded_receive, guarded_send)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        content = _problem(limit)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(content)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": content})
