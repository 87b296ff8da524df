"""Server time of the web pages: python -m bench.web_pages --url http://127.0.0.1:8000 [PATH ...]

Signs in as the demo's admin on a running `creditdesk serve` (build the portfolio first, e.g.
`creditdesk demo --customers 10000 --no-serve`), requests each page six times and prints the
milliseconds of the last five (the first warms the caches) as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import re
import time

import httpx

PAGES = ("/", "/customers/C000003", "/worklists/orders", "/worklists/limit-requests", "/worklists/reviews", "/policy")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="creditdesk-demo")
    parser.add_argument("paths", nargs="*", default=list(PAGES))
    args = parser.parse_args(argv)
    timings: dict[str, list[float]] = {}
    with httpx.Client(base_url=args.url, timeout=120) as client:
        form = client.get("/login").text
        found = re.search(r'name="csrf" value="([^"]+)"', form)
        if found is None:
            raise SystemExit("no sign-in form at /login")
        signed = client.post(
            "/login", data={"username": args.user, "password": args.password, "csrf": found.group(1), "next": "/"}
        )
        if signed.status_code != 303:
            raise SystemExit(f"sign-in refused: {signed.status_code}")
        for path in args.paths:
            laps = []
            for _ in range(6):
                started = time.perf_counter()
                response = client.get(path)
                laps.append(round((time.perf_counter() - started) * 1000, 1))
                if response.status_code != 200:
                    raise SystemExit(f"{path}: {response.status_code}")
            timings[path] = laps[1:]
    print(json.dumps({"bench": "web_pages", "ms": timings}))


if __name__ == "__main__":
    main()
