"""Webhook delivery latency under load: ``python -m bench.webhooks``. One JSON line per run.

Orders are submitted through the service at a steady rate (100 a second by default) on a SQLite
database of its own, by a few threads, while the relay runs as the worker runs it (a round every
``--tick`` seconds: publish, fan out, deliver). A local HTTP receiver (a real server) records when
each event arrives; the latency is its arrival minus the event's ``at`` (when the order was
decided). Runs with the worker's default tick (0.5 s) and a slow one (2 s). The receiver runs in a
process of its own.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from creditdesk.adapters.db.migrate import upgrade
from creditdesk.bootstrap import Services, bootstrap
from creditdesk.domain.customers import Customer
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.worker.events_jobs import relay_settings
from creditdesk.service import publishing
from creditdesk.service.customers import RegisterCustomer, register_customer
from creditdesk.service.orders import SubmitOrder, submit_order
from creditdesk.service.webhooks import Acting, add_subscription

CUSTOMERS = 200
SECRET = "bench-secret-0123456789"


def _receive(port: Any, count: Any, stop: Any, out: Any) -> None:
    """The receiver, in a process of its own (another system, as in real life): records each
    event's latency, verifies its signature, answers 204; hands the latencies over when stopped."""
    latencies: list[float] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver would

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            arrived = time.time()
            event = json.loads(body)
            timestamp, signature = self.headers["X-Creditdesk-Timestamp"], self.headers["X-Creditdesk-Signature"]
            assert publishing.verify(SECRET, timestamp, body, signature)
            with lock:
                latencies.append(arrived - datetime.fromisoformat(event["at"]).timestamp())
                count.value = len(latencies)
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port.value = server.server_port
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    stop.wait()
    server.shutdown()
    out.put(latencies)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(folder: Path, rate: float, seconds: float, tick: float, producers: int = 4) -> dict[str, Any]:
    services: Services = bootstrap(f"sqlite:///{folder / 'bench.db'}")
    services.settings.var_dir = folder / "var"
    upgrade(services.engine)
    for n in range(CUSTOMERS):
        customer = Customer(f"C{n:04d}", f"Customer {n}", "EUR")
        register_customer(
            RegisterCustomer(customer, Money.of("100000000", "EUR"), "bench", Role.ADMIN),
            services.uow(),
            services.clock,
        )
    context = multiprocessing.get_context("spawn")
    port, count, done, out = context.Value("i", 0), context.Value("i", 0), context.Event(), context.Queue()
    receiver = context.Process(target=_receive, args=(port, count, done, out), daemon=True)
    receiver.start()
    while not port.value:
        time.sleep(0.01)
    url = f"http://127.0.0.1:{port.value}/hook"
    add_subscription(Acting("bench", Role.ADMIN), url, "order.*", SECRET, services.webhook_uow(), services.clock)
    settings = relay_settings(services.settings)
    stop = threading.Event()

    def relay() -> None:
        store, sender = services.event_store(), services.webhook_sender()
        while not stop.is_set():
            started = time.monotonic()
            publishing.relay_tick(store, sender, services.clock, settings)
            stop.wait(max(0.0, tick - (time.monotonic() - started)))

    total = int(rate * seconds)
    begin = time.monotonic() + 0.2

    def produce(me: int) -> None:
        # Order n is due at begin + n / rate: a steady rate, not a burst per second.
        for n in range(me, total, producers):
            wait = begin + n / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            order = SubmitOrder(f"O{n:06d}", f"C{n % CUSTOMERS:04d}", Money.of("10", "EUR"), "bench")
            submit_order(order, services.uow(), services.clock)

    relayer = threading.Thread(target=relay, daemon=True)
    relayer.start()
    workers = [threading.Thread(target=produce, args=(me,)) for me in range(producers)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    produced_in = time.monotonic() - begin
    deadline = time.monotonic() + 120
    while count.value < total and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    relayer.join()
    done.set()
    lat: list[float] = out.get(timeout=60)
    receiver.join()
    services.engine.dispose()
    return {
        "bench": "webhooks",
        "tick_s": tick,
        "orders": total,
        "orders_per_s": round(total / produced_in, 1),
        "delivered": len(lat),
        "p50_ms": round(_percentile(lat, 0.50) * 1000, 1),
        "p99_ms": round(_percentile(lat, 0.99) * 1000, 1),
        "max_ms": round(max(lat) * 1000, 1),
        "mean_ms": round(statistics.fmean(lat) * 1000, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="orders a second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--tick", type=float, action="append", help="the relay's round (default: 0.5 and 2)")
    args = parser.parse_args(argv)
    for tick in args.tick or [0.5, 2.0]:
        with tempfile.TemporaryDirectory() as folder:
            print(json.dumps(run(Path(folder), args.rate, args.seconds, tick)), flush=True)


if __name__ == "__main__":
    main()
