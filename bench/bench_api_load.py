"""Load benchmark of the field app's API: 200 officers syncing a day's work (gunicorn + PostgreSQL).

Run:  flock /tmp/meterops-bench.lock .venv/bin/python bench/bench_api_load.py
      [--officers 200] [--seconds 25] [--workers 4] [--customers 20000]
      [--client fast|requests] [--spread]
      [--database-url postgres://postgres@127.0.0.1:5432/meterops_bench_api]
      flock /tmp/meterops-bench.lock .venv/bin/python bench/bench_api_load.py --reuse
      [--database-url postgres://postgres@127.0.0.1:5432/uid_bench] [--officers …]

In a fresh database (dropped and created here, migrated, demo region built) it writes the demo
customers, then 2 × ``--officers`` field officers of one contractor, each with a device token and
5 distributed work orders (targets, processes and PKs inserted set-based), and 40 customers of
its own for new damage reports.  ``--reuse`` seeds the officers, their work orders and their
customers into the UID a ``bench_uid.py --keep`` run left instead (customers without an open
replacement, a contractor and references of a tag of their own) and leaves that database, with
what the run wrote, in place.  Then twice, on loopback only, against gunicorn on this
database: once with 1 worker (the baseline), once with ``--workers`` workers, each run with its
own half of the officers (a run's replacements are done once), started once every gunicorn
worker has answered (as production's, booted long before the morning).  Locust starts the
officers a fifth at a time, once a second, each fifth at one instant (its spawn rate is users
per dispatch); ``--spread`` starts each officer of a fifth at random within its second
instead.  Each simulated officer (locust, library mode) syncs its day like the app's queue
does, pausing 2–8 s (the officer, the radio):

    GET /api/work-list; a damage report (one photo: POST /api/photos + one PUT chunk, then
    POST /api/damage-reports); for each PK: GET /api/customers/{idpel}, two photos,
    POST /api/replacements (the first one sent twice: the idempotent replay); two more damage
    reports; then it polls the work list until the run ends.

It asks for the work list as the app does since issue #22 (``worklist.js``): with the ETag of
the list it holds in If-None-Match and its ``generated_at`` in ``since``, merging the delta.
Each phone starts holding the list of its last sync (fetched once per officer before the run,
as the app keeps it in IndexedDB), so the start-up burst revalidates instead of fetching.

Printed per run and per request: count, failures, median, p95, requests/s, and how many
work-list answers were 304; beside the phone's p95 (locust's, from send to answer) the
server's own p95 (gunicorn's access log: from the worker taking the request to its answer,
so without the wait in the listen queue); then the CPU each part used during the run: the load
generator (this process), gunicorn (its master and workers) and the rest of the machine
(PostgreSQL, mostly).  Last the ratios of the N-worker run to the 1-worker run.  The database
is dropped at the end.

``--client fast`` (the default) simulates the phones with locust's FastHttpUser
(geventhttpclient), ``requests`` with its HttpUser (python-requests, several times the CPU per
request): the load generator shares the machine's two cores with the server it measures.
"""

# locust patches the standard library for gevent: it must be imported before anything else.
from locust import FastHttpUser, HttpUser, between, events, task  # isort: skip
from locust.env import Environment  # isort: skip

import argparse
import contextlib
import io
import os
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import gevent
from PIL import Image

from benchdb import UID_URL, throwaway_database
from benchofficers import ORDERS_PER_OFFICER, seed

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/meterops_bench_api"
ROOT = Path(__file__).resolve().parents[1]
PORT = 8763
SEED = 2026
REPORTS_PER_OFFICER = 3
CLIENTS = {"fast": FastHttpUser, "requests": HttpUser}
# The access log's line: method, path, status, microseconds (gunicorn's %(D)s), worker pid.
ACCESS_LOG_FORMAT = "%(m)s %(U)s %(s)s %(D)s %(p)s"
NUMBERED = re.compile(r"/\d+")


def hold_last_lists(accounts: list[dict]) -> None:
    """The list each phone kept from its last sync, with its ETag."""
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    for account in accounts:
        answer = client.get("/api/work-list", HTTP_AUTHORIZATION=f"Bearer {account['token']}")
        account["held"] = {**answer.json(), "etag": answer["ETag"]}


def photo_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((640, 480), 40).convert("RGB").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


PHOTO = photo_bytes()


def final_reading(detail: dict) -> str:
    """A final stan the phone's own check accepts: 5 kWh over the work list's last stan (the
    discovery stan or a later reading), any stan when there is none."""
    last = detail["last_reading"]
    return str(Decimal(last["kwh"]) + 5) if last else "0"


def make_officer_class(pool: list[dict], not_modified: dict, client: str, spread: bool):
    class Officer(CLIENTS[client]):
        """One phone syncing its day, then polling the work list."""

        wait_time = between(2.0, 8.0)

        def on_start(self):
            if spread:  # locust starts a second's officers at one instant: spread them over it
                gevent.sleep(random.uniform(0, 1))
            self.account = pool.pop()
            self.bearer = {"Authorization": f"Bearer {self.account['token']}"}
            self.held = self.account["held"]
            self.day = self.plan()

        def plan(self):
            """The app's queue after a day: a damage report, each PK's replacement (one sent
            twice), the other damage reports; then polling for new work."""
            work = self.work_list()
            reports = self.account["spare"][:REPORTS_PER_OFFICER]
            yield from self.damage_report(reports[0])
            for number, item in enumerate(work):
                yield lambda item=item: self.client.get(
                    f"/api/customers/{item['customer']['customer_id']}",
                    name="/api/customers/{id}",
                    headers=self.bearer,
                )
                photos = []
                for _ in range(2):
                    yield lambda photos=photos: photos.append(self.upload())
                payload = {
                    "client_id": str(uuid.uuid4()),
                    "work_order_id": item["id"],
                    "version": item["version"],
                    "new_meter_brand": "ITRON",
                    "new_meter_number": f"9{item['id']:010d}",
                    "new_initial_reading": "0",
                    # Within the last stan the list gives plus what the meter may use since:
                    # record_replacement asks a reason beyond it (issue #19).
                    "old_final_reading": final_reading(item["detail"]),
                    "replaced_on": time.strftime("%Y-%m-%d"),
                    "photo_ids": photos,
                }
                yield lambda payload=payload: self.write("/api/replacements", payload)
                if number == 0:
                    yield lambda payload=payload: self.write(
                        "/api/replacements", payload, resend=True
                    )
            for customer_id in reports[1:]:
                yield from self.damage_report(customer_id)
            while True:
                yield self.work_list

        def damage_report(self, customer_id):
            photos = []
            yield lambda: photos.append(self.upload())
            payload = {
                "client_id": str(uuid.uuid4()),
                "customer_id": customer_id,
                "damage_type": "display-mati",
                "reading_at_discovery": "512.25",
                "latitude": "-6.914744",
                "longitude": "107.609810",
                "photo_ids": photos,
            }
            yield lambda: self.write("/api/damage-reports", payload)

        def work_list(self) -> list[dict]:
            """The list the phone holds after asking again (If-None-Match, since)."""
            if self.held is None:
                answer = self.client.get(
                    "/api/work-list", name="/api/work-list", headers=self.bearer
                )
                self.held = {**answer.json(), "etag": answer.headers["ETag"]}
                return self.held["items"]
            with self.client.get(
                "/api/work-list?" + urlencode({"since": self.held["generated_at"]}),
                headers={**self.bearer, "If-None-Match": self.held["etag"]},
                name="/api/work-list",
                catch_response=True,
            ) as answer:
                if answer.status_code == 304:
                    not_modified["count"] += 1
                    return self.held["items"]
                delta = answer.json()
            key = lambda item: f"{item['kind']}:{item['id']}"  # noqa: E731
            items = {key(item): item for item in self.held["items"]}
            items.update((key(item), item) for item in delta["items"])
            self.held = {
                "generated_at": delta["generated_at"],
                "etag": answer.headers["ETag"],
                "items": [items[i] for i in delta["ids"] if i in items],
            }
            return self.held["items"]

        def upload(self) -> int:
            start = {"client_id": str(uuid.uuid4()), "file_name": "foto.jpg", "size": len(PHOTO)}
            upload = self.client.post(
                "/api/photos", json=start, name="/api/photos", headers=self.bearer
            ).json()
            self.client.put(
                f"/api/photos/{upload['id']}/chunk?offset=0",
                data=PHOTO,
                headers={**self.bearer, "Content-Type": "application/octet-stream"},
                name="/api/photos/{id}/chunk",
            )
            return upload["id"]

        def write(self, path: str, payload: dict, resend: bool = False):
            expected = 200 if resend else 201
            name = f"{path} (resend)" if resend else path
            with self.client.post(
                path, json=payload, name=name, headers=self.bearer, catch_response=True
            ) as answer:
                if answer.status_code != expected:
                    answer.failure(f"{answer.status_code}: {answer.text[:200]}")

        @task
        def next_step(self):
            next(self.day)()

    return Officer


def start_gunicorn(workers: int, access_log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "meterops.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            ACCESS_LOG_FORMAT,
            "--timeout",
            "60",
        ],
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        gevent.joinall([gevent.spawn(health) for _ in range(4 * workers)])
        if len(worker_pids(access_log)) >= workers:
            return server
        time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn's workers did not all start")


def health() -> None:
    import urllib.request

    with contextlib.suppress(OSError):  # not listening yet
        urllib.request.urlopen(f"http://127.0.0.1:{PORT}/api/health", timeout=1)


def worker_pids(access_log: Path) -> set[str]:
    """The workers that answered so far. The run starts when all have: the first to answer
    does so while the others still import the app, and a burst sent then would wait for them,
    where production's workers are up long before the officers' morning sync."""
    return {line.split()[-1] for line in access_log.read_text().splitlines()}


def server_times(access_log: Path) -> dict[str, list[float]]:
    """Milliseconds each request spent in a gunicorn worker, by locust's request name."""
    times = defaultdict(list)
    for line in access_log.read_text().splitlines():
        method, path, status, micros, _pid = line.split()
        if path == "/api/health":
            continue
        name = NUMBERED.sub("/{id}", path)
        if name == "/api/replacements" and status == "200":
            name += " (resend)"
        times[f"{method} {name}"].append(int(micros) / 1000)
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else sum(values)


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (/proc/stat)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_split(before: dict) -> str:
    self_cpu = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = self_cpu.ru_utime + self_cpu.ru_stime - before["self"]
    server = children.ru_utime + children.ru_stime - before["children"]
    rest = busy_cpu_seconds() - before["machine"] - load - server
    return f"load generator {load:.1f} s, gunicorn {server:.1f} s, rest {rest:.1f} s"


def cpu_now() -> dict:
    self_cpu = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "self": self_cpu.ru_utime + self_cpu.ru_stime,
        "children": children.ru_utime + children.ru_stime,
        "machine": busy_cpu_seconds(),
    }


def run(
    label: str, workers: int, pool: list[dict], seconds: int, client: str, spread: bool
) -> dict:
    load_before = os.getloadavg()[0]
    access_log = Path(tempfile.mkstemp(prefix="bench-api-access-", suffix=".log")[1])
    cpu_before = cpu_now()
    server = start_gunicorn(workers, access_log)
    not_modified = {"count": 0}
    try:
        env = Environment(
            user_classes=[make_officer_class(pool, not_modified, client, spread)],
            events=events,
            host=f"http://127.0.0.1:{PORT}",
        )
        runner = env.create_local_runner()
        users = len(pool)
        runner.start(users, spawn_rate=max(users // 5, 1))
        gevent.spawn_later(seconds, runner.quit)
        runner.greenlet.join()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    in_server = server_times(access_log)
    access_log.unlink()
    print(
        f"\n{label}: {users} officers ({client} client), {seconds} s, gunicorn {workers} "
        f"worker(s); machine load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after; CPU: {cpu_split(cpu_before)}"
    )
    print(
        f"  {'request':<30} {'count':>7} {'fail':>5} {'median':>8} {'p95':>8} "
        f"{'server p95':>11} {'req/s':>7}"
    )
    entries = [*sorted(env.stats.entries.values(), key=lambda e: e.name), env.stats.total]
    for entry in entries:
        if entry is env.stats.total:
            served = [ms for times in in_server.values() for ms in times]
        else:
            served = in_server.get(f"{entry.method} {entry.name}", [])
        print(
            f"  {entry.name:<30} {entry.num_requests:>7} {entry.num_failures:>5} "
            f"{entry.median_response_time:>6.0f}ms "
            f"{entry.get_response_time_percentile(0.95):>6.0f}ms "
            f"{p95(served):>9.0f}ms {entry.total_rps:>7.1f}"
        )
    work_list = env.stats.get("/api/work-list", "GET")
    print(f"  work list: {not_modified['count']} of {work_list.num_requests} answered 304")
    for error in list(env.stats.errors.values())[:5]:
        print(f"  error ×{error.occurrences}: {error.method} {error.name}: {error.error}"[:300])
    total = env.stats.total
    return {
        "p95": total.get_response_time_percentile(0.95),
        "work_list_p95": work_list.get_response_time_percentile(0.95),
        "rps": total.total_rps,
        "failures": total.num_failures,
        "requests": total.num_requests,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--client", choices=sorted(CLIENTS), default="fast")
    parser.add_argument("--database-url")
    parser.add_argument(
        "--spread",
        action="store_true",
        help="each second's officers start at random within it, not all at its first instant",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="into the UID a bench_uid.py --keep run left"
    )
    args = parser.parse_args()
    random.seed(SEED)
    url = args.database_url or (UID_URL if args.reuse else DEFAULT_URL)
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # gunicorn's access log has every request

    with throwaway_database(url, keep=args.reuse, reuse=args.reuse):
        os.environ["MEDIA_ROOT"] = str(ROOT / "var" / "bench-api-media")
        from django.db import connections

        from meterops.core.demo import build_region
        from meterops.customers.demo import generate_customers
        from meterops.customers.models import Customer
        from meterops.replacement.models import DamageType

        started = time.perf_counter()
        if not args.reuse:
            generate_customers(units=build_region(), count=args.customers, seed=SEED)
        DamageType.objects.get_or_create(code="display-mati", defaults={"name": "Display mati"})
        accounts = seed(2 * args.officers, vacuum=not args.reuse)
        hold_last_lists(accounts)
        customers = Customer.objects.count()
        connections.close_all()
        print(
            f"{customers:,} customers, {2 * args.officers} officers with "
            f"{ORDERS_PER_OFFICER} PKs each: {time.perf_counter() - started:.1f} s"
        )
        officers = (args.seconds, args.client, args.spread)
        baseline = run("baseline", 1, accounts[: args.officers], *officers)
        scaled = run("scaled", args.workers, accounts[args.officers :], *officers)
        print(
            f"\nratio {args.workers} workers / 1 worker: throughput "
            f"{scaled['rps'] / baseline['rps']:.2f}x, p95 {baseline['p95'] / scaled['p95']:.2f}x "
            f"lower (work list {baseline['work_list_p95'] / scaled['work_list_p95']:.2f}x); "
            f"failures {baseline['failures']} / {scaled['failures']}"
        )
        if baseline["failures"] or scaled["failures"]:
            sys.exit(1)


if __name__ == "__main__":
    main()
