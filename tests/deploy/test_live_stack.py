"""The production stack as shipped in deploy/, running: nginx with TLS in front of gunicorn and
a background worker, started by .ci/deploy from the shipped files (issue #21). Skipped unless
METEROPS_LIVE_URL names that stack; CI runs it in its own leg."""

from __future__ import annotations

import json
import os
import re
import signal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook

from meterops.core.demo import DEMO_PASSWORD
from meterops.customers.dil import COLUMNS

from .live import LIVE_URL, Client, live_env, query, wait_for

pytestmark = pytest.mark.skipif(
    not LIVE_URL, reason="needs the stack .ci/deploy starts (METEROPS_LIVE_URL)"
)

BALEENDAH, CIJAURA = "53551", "53542"
STATIC_HASHED = re.compile(r'(?:src|href)="(/static/[^"]+\.[0-9a-f]{12}\.(?:js|css))"')


@pytest.fixture(scope="module")
def env():
    return live_env()


def _photo_of(unit_code: str) -> tuple[int, str]:
    ((order_id, name),) = query(
        "SELECT o.id, o.photo FROM fieldwork_fieldorder o JOIN core_unit u ON u.id = o.unit_id"
        " WHERE u.code = %s AND o.photo <> '' ORDER BY o.id LIMIT 1",
        unit_code,
    )
    return order_id, name


def test_login_through_the_captcha_reaches_the_dashboard():
    client = Client()
    answer = client.login("pengawas.baleendah", DEMO_PASSWORD)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200 and "Dedi" in page.text
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")


def test_plain_http_is_sent_to_https():
    host = LIVE_URL.split("://", 1)[1].split(":", 1)[0]
    answer = Client().session.get(
        f"http://{host}:{live_env()['METEROPS_HTTP_LISTEN'].rsplit(':', 1)[-1]}/login/",
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 301 and answer.headers["Location"].startswith("https://")


def test_a_photo_goes_out_through_nginx_to_its_own_unit_only(env):
    order_id, name = _photo_of(BALEENDAH)
    url = f"/fieldwork/orders/{order_id}/photo/"
    on_disk = (Path(env["MEDIA_ROOT"]) / name).read_bytes()

    own = Client()
    own.login("pengawas.baleendah", DEMO_PASSWORD)
    answer = own.get(url)
    assert answer.status_code == 200
    assert answer.content == on_disk and answer.content[:3] == b"\xff\xd8\xff"
    assert answer.headers["Content-Type"] == "image/jpeg"
    # No cache keeps a photo (a customer's position): nginx keeps the view's header.
    assert answer.headers["Cache-Control"] == "no-store"
    # nginx sent the file: the internal redirect never reaches the browser.
    assert "X-Accel-Redirect" not in answer.headers

    other = Client()
    other.login("pengawas.cijaura", DEMO_PASSWORD)
    assert other.get(url).status_code == 404

    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous.headers["Location"]
    for direct in (f"/media/{name}", f"/protected-media/{name}"):
        refused = Client().get(direct)
        assert refused.status_code == 404, direct
        assert refused.content != on_disk


def test_static_files_come_from_nginx_with_cache_headers():
    page = Client().get("/login/")
    asset = STATIC_HASHED.search(page.text).group(1)
    answer = Client().get(asset)
    assert answer.status_code == 200
    assert "immutable" in answer.headers["Cache-Control"]
    assert "max-age=31536000" in answer.headers["Cache-Control"]
    # Served from disk by nginx, not by the application (which would add its CSP header).
    assert "Content-Security-Policy" not in answer.headers


def test_the_lockout_follows_the_client_address_nginx_saw(env):
    limit = int(env["AXES_IP_FAILURE_LIMIT"])
    locked, neighbour = Client("127.0.0.2"), Client("127.0.0.3")
    for attempt in range(limit):
        answer = locked.session.post(
            LIVE_URL + "/api/auth/login",
            json={"username": f"tebakan{attempt}", "password": "salah"},
            # A forged header does not make it someone else: the application reads the entry
            # nginx appended.
            headers={"X-Forwarded-For": f"198.51.100.{attempt}"},
            timeout=30,
        )
        assert answer.status_code in (401, 429), answer.text
    right = {"username": "helpdesk", "password": DEMO_PASSWORD}
    refused = locked.session.post(LIVE_URL + "/api/auth/login", json=right, timeout=30)
    assert refused.status_code == 429
    assert "Alamat jaringan Anda" in refused.json()["message"]
    assert locked.login("helpdesk", DEMO_PASSWORD).status_code == 429

    allowed = neighbour.session.post(LIVE_URL + "/api/auth/login", json=right, timeout=30)
    assert allowed.status_code == 200, allowed.text
    assert neighbour.login("helpdesk", DEMO_PASSWORD).status_code == 302


def test_health_and_readiness_through_nginx():
    alive = Client().get("/health")
    assert alive.status_code == 200 and alive.json()["status"] == "ok"
    ready = wait_for(
        lambda: (answer := Client().get("/ready")).status_code == 200 and answer,
        seconds=30,
        what="/ready to answer 200",
    )
    assert ready.json()["status"] == "ok"


def test_metrics_only_for_the_configured_addresses():
    Client().get("/login/")
    metrics = Client("127.0.0.1").get("/metrics")
    assert metrics.status_code == 200
    assert "django_http_requests_latency_seconds_by_view_method" in metrics.text
    assert Client("127.0.0.4").get("/metrics").status_code == 404


# --- An upload through nginx, checked and applied by the worker; the worker killed mid-way ---


def dil_workbook(first: int, count: int) -> bytes:
    """A DIL file of ``count`` new postpaid customers of ULP Baleendah."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Data")
    headers = [c.header for c in COLUMNS]
    sheet.append(headers)
    for n in range(first, first + count):
        row = {
            "IDPEL": f"{BALEENDAH}{n:07d}",
            "NAMA": f"PELANGGAN UJI {n}",
            "ALAMAT": "JL. UJI NO. 1",
            "TARIF": "R1",
            "DAYA": "1300",
            "JENIS": "PASCABAYAR",
            "MERK_METER": "HEXING",
            "NO_METER": f"9{n:010d}",
            "FASA": "1",
            "TGL_PASANG": "2021-03-04",
        }
        sheet.append([row.get(h, "") for h in headers])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client: Client, content: bytes, name: str) -> tuple[int, str]:
    """Send a DIL file as the upload page does; (upload id, the request's id)."""
    answer = client.post(
        "/imports/dil/",
        {"csrfmiddlewaretoken": client.form_token("/imports/dil/")},
        files={"file": (name, content, "application/vnd.ms-excel")},
    )
    assert answer.status_code == 302, answer.text[:500]
    upload_id = int(re.search(r"/imports/uploads/(\d+)/", answer.headers["Location"]).group(1))
    return upload_id, answer.headers["X-Request-ID"]


def state_of(upload_id: int) -> str:
    ((state,),) = query("SELECT state FROM imports_upload WHERE id = %s", upload_id)
    return state


def applied_batches(upload_id: int) -> int:
    ((count,),) = query(
        "SELECT count(*) FROM imports_uploadbatch WHERE upload_id = %s AND applied_at IS NOT NULL",
        upload_id,
    )
    return count


def apply(client: Client, upload_id: int) -> None:
    wait_for(lambda: state_of(upload_id) == "checked", seconds=120, what="the check")
    path = f"/imports/uploads/{upload_id}/"
    answer = client.post(path + "apply/", {"csrfmiddlewaretoken": client.form_token(path)})
    assert answer.status_code == 302


def customers_between(first: int, last: int) -> int:
    ((count,),) = query(
        "SELECT count(*) FROM customers_customer WHERE customer_id BETWEEN %s AND %s",
        f"{BALEENDAH}{first:07d}",
        f"{BALEENDAH}{last:07d}",
    )
    return count


def job_log_lines(request_id: str) -> list[dict]:
    lines = []
    for text in Path(os.environ["METEROPS_LIVE_LOG"]).read_text(errors="replace").splitlines():
        try:
            line = json.loads(text)
        except ValueError:
            continue
        if isinstance(line, dict) and line.get("request_id") == request_id:
            lines.append(line)
    return lines


@pytest.fixture(scope="module")
def unit_admin():
    client = Client("127.0.0.5")
    assert client.login("admin.majalaya", DEMO_PASSWORD).status_code == 302
    return client


def test_an_upload_is_checked_and_applied_by_the_worker(unit_admin):
    upload_id, request_id = upload(unit_admin, dil_workbook(1, 300), "dil-300.xlsx")
    apply(unit_admin, upload_id)
    wait_for(lambda: state_of(upload_id) == "applied", seconds=120, what="the apply")
    assert customers_between(1, 300) == 300
    page = unit_admin.get(f"/imports/uploads/{upload_id}/")
    assert page.status_code == 200 and "Selesai" in page.text
    # The jobs the upload started log with the id of the request that started them.
    jobs = wait_for(
        lambda: [line for line in job_log_lines(request_id) if line["logger"] == "meterops.jobs"],
        seconds=20,
        what=f"a job's log line with request id {request_id}",
    )
    assert any("check_upload_task" in line["message"] for line in jobs), jobs


def test_a_worker_killed_mid_upload_is_restarted_and_the_upload_resumes(unit_admin, env):
    count = 20_000
    first = 100_000
    upload_id, _request_id = upload(unit_admin, dil_workbook(first, count), "dil-besar.xlsx")
    apply(unit_admin, upload_id)
    ((total,),) = query("SELECT batches_total FROM imports_upload WHERE id = %s", upload_id)
    assert total >= 10, "the file must take several batches for the kill to land mid-way"

    pid_file = Path(env["METEROPS_RUN_DIR"]) / "worker-1.pid"
    killed = int(pid_file.read_text())
    wait_for(lambda: applied_batches(upload_id) >= 1, seconds=120, step=0.01, what="a batch")
    os.kill(killed, signal.SIGKILL)
    done_at_kill = applied_batches(upload_id)
    assert done_at_kill < total and state_of(upload_id) == "applying"

    # The supervisor (systemd's Restart=always, or deploy/meterops stack) starts a new worker,
    # which finds the upload its dead predecessor held and applies the batches left.
    restarted = wait_for(
        lambda: (pid := int(pid_file.read_text())) != killed and pid,
        seconds=30,
        what="the worker to be started again",
    )
    assert restarted != killed
    wait_for(lambda: state_of(upload_id) == "applied", seconds=240, step=0.5, what="resume")
    assert applied_batches(upload_id) == total
    # Each row once (the IDPEL is unique): no batch was applied twice, none was lost.
    assert customers_between(first, first + count - 1) == count


def test_metrics_gather_every_process_the_requests_the_jobs_and_the_uploads():
    """Scraped through one gunicorn process: the worker's jobs and uploads are counted too."""
    text = Client("127.0.0.1").get("/metrics").text
    assert (
        'django_http_requests_latency_seconds_by_view_method_count{method="POST",view="imports:'
        in text
    )
    assert re.search(
        r"meterops_job_duration_seconds_count\{[^}]*apply_upload_task[^}]*\} [1-9]", text
    )
    assert re.search(
        r'meterops_upload_rows_per_second_count\{[^}]*template="dil"[^}]*\} [1-9]', text
    )
    assert "meterops_task_queue_depth{" in text
