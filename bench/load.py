"""HTTP load with wrk (C, on the same machine): requests per second and latency percentiles."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

_CHECKS_LUA = """
local ids = {%(ids)s}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
init = function(args) math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16)) end
request = function()
  local id = ids[math.random(#ids)]
  return wrk.format(nil, "/api/v1/checks", nil,
    '{"customer_id":"' .. id .. '","amount":"%(amount)s","currency":"%(currency)s"}')
end
"""

_ORDERS_LUA = """
local ids = {%(ids)s}
local n = 0
local prefix = ""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
init = function(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  prefix = "B" .. math.random(1, 1000000000)
end
request = function()
  n = n + 1
  local id = ids[math.random(#ids)]
  return wrk.format(nil, "/api/v1/orders", nil,
    '{"order_id":"' .. prefix .. "-" .. n .. '","customer_id":"' .. id ..
    '","amount":"%(amount)s","currency":"%(currency)s"}')
end
"""


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors and non-2xx responses

    def as_json(self) -> dict[str, float | int]:
        return {
            "per_s": round(self.requests_per_s, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "requests": self.requests,
            "errors": self.errors,
        }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(output: str) -> LoadResult:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(found.group(1))
    if found := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        errors += sum(int(g) for g in found.groups())
    return LoadResult(rate, p50, p99, total, errors)


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(url: str, *, connections: int, seconds: int, script: str | None = None) -> LoadResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script or "")
        lua = handle.name
    try:
        command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
        if script:
            command += ["-s", lua]
        result = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    finally:
        os.unlink(lua)
    return parse_wrk(result.stdout)


def checks_script(token: str, customer_ids: list[str], amount: str, currency: str) -> str:
    ids = ",".join(f'"{cid}"' for cid in customer_ids)
    return _CHECKS_LUA % {"ids": ids, "token": token, "amount": amount, "currency": currency}


def orders_script(token: str, customer_ids: list[str], amount: str, currency: str) -> str:
    ids = ",".join(f'"{cid}"' for cid in customer_ids)
    return _ORDERS_LUA % {"ids": ids, "token": token, "amount": amount, "currency": currency}
