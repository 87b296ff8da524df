"""Webhook deliveries over HTTP (httpx): one POST, its answer or why there was none.

The body and its signature are made by the relay (service/publishing.py); this only sends.
Redirects are not followed (a 3xx is not a delivery), and the receiver's answer is read only
as far as a short excerpt for the delivery's last error.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from creditdesk.service.publishing import SendOutcome

if TYPE_CHECKING:
    import httpx

_EXCERPT = 300


class HttpWebhookSender:
    """One httpx client (its connections kept alive between deliveries), made on first use."""

    def __init__(self, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                import httpx  # the relay's dependency, not the CLI's or the API's at start

                self._client = httpx.Client(
                    timeout=self.timeout_seconds,
                    follow_redirects=False,
                    limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
                )
            return self._client

    def send(self, url: str, body: bytes, headers: dict[str, str]) -> SendOutcome:
        import httpx

        try:
            response = self._http().post(url, content=body, headers=headers)
        except httpx.TimeoutException as error:
            return SendOutcome(None, f"timed out after {self.timeout_seconds:g} s ({type(error).__name__})", False)
        except httpx.TransportError as error:
            return SendOutcome(None, f"{type(error).__name__}: {error}"[: _EXCERPT * 2], False)
        except httpx.HTTPError as error:  # an invalid URL and the like
            return SendOutcome(None, f"{type(error).__name__}: {error}"[: _EXCERPT * 2], False)
        if 200 <= response.status_code < 300:
            return SendOutcome(response.status_code)
        excerpt = " ".join(response.text[:_EXCERPT].split())
        return SendOutcome(response.status_code, f"HTTP {response.status_code}" + (f": {excerpt}" if excerpt else ""))

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
