"""The files in deploy/ hang together: every unit runs a command the script knows, the nginx
template renders from the example settings and nginx accepts it, and every setting the
application reads is in the example file (issue #21)."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
EXAMPLE = DEPLOY / "meterops.env.example"
# Read by the settings but deliberately not in the example: development and CI knobs.
NOT_FOR_PRODUCTION = {"METEROPS_VAR_DIR", "STATIC_MANIFEST", "SECURE_HSTS_PRELOAD"}


def example_values() -> dict[str, str]:
    values = {}
    for line in EXAMPLE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            assert key == key.strip() and key.isupper(), f"malformed line: {line!r}"
            values[key] = value
    return values


def script_commands() -> set[str]:
    script = (DEPLOY / "meterops").read_text()
    return set(re.findall(r"^  ([a-z]+)\)$", script, flags=re.MULTILINE))


def units() -> list[Path]:
    return sorted((DEPLOY / "systemd").glob("meterops*.service"))


def test_every_unit_runs_a_command_of_the_script():
    commands = script_commands()
    assert {"release", "web", "worker", "stalled", "housekeeping", "backup", "stack"} <= commands
    for unit in units():
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.read(unit)
        exec_start = parser["Service"]["ExecStart"]
        program, command = exec_start.split()
        assert program == "/srv/meterops/app/deploy/meterops", unit.name
        assert command in commands, unit.name
        assert parser["Service"]["EnvironmentFile"] == "/etc/meterops/meterops.env"
        if command == "backup":
            assert "METEROPS_KEY_ENCRYPTION_KEY" in parser["Service"]["UnsetEnvironment"].split()
        if parser["Service"].get("Type") != "oneshot":
            assert parser["Service"]["Restart"] in {"on-failure", "always"}, unit.name
    timers = {t.stem for t in (DEPLOY / "systemd").glob("*.timer")}
    assert timers == {"meterops-stalled", "meterops-housekeeping", "meterops-backup"}


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_accepts_the_units(tmp_path):
    # The units name the checkout /srv/meterops/app; here it is this one.
    for unit in (DEPLOY / "systemd").glob("meterops*"):
        if unit.suffix in {".service", ".timer", ".target"}:
            text = unit.read_text().replace("/srv/meterops/app", str(ROOT))
            (tmp_path / unit.name).write_text(text)
    files = sorted(str(p) for p in tmp_path.iterdir())
    result = subprocess.run(  # noqa: S603 - fixed program, our own files
        ["systemd-analyze", "verify", "--man=no", *files],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def render_nginx(env_file: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own script
        [str(DEPLOY / "render-nginx"), str(env_file)], capture_output=True, text=True, check=False
    )


def test_the_nginx_template_renders_from_the_example_and_keeps_media_private():
    result = render_nginx(EXAMPLE)
    assert result.returncode == 0, result.stderr
    site = result.stdout
    assert "${" not in site
    assert "alias /srv/meterops/media/;" in site
    # The media folder is reachable only as the internal target of X-Accel-Redirect.
    media_block = site.split("location /protected-media/ {", 1)[1].split("}", 1)[0]
    assert "internal;" in media_block
    assert re.search(r"location /media/ \{\s*return 404;", site)
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site


def test_render_refuses_an_environment_file_missing_a_value(tmp_path):
    partial = tmp_path / "partial.env"
    partial.write_text(EXAMPLE.read_text().replace("METEROPS_TLS_CERT=", "# METEROPS_TLS_CERT="))
    result = render_nginx(partial)
    assert result.returncode != 0
    assert "METEROPS_TLS_CERT is not set" in result.stderr


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx not installed")
def test_nginx_accepts_the_rendered_site(tmp_path):
    certificate, key = tmp_path / "site.crt", tmp_path / "site.key"
    openssl = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    subprocess.run(  # noqa: S603 - fixed program and arguments
        [*openssl, "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(certificate)],
        capture_output=True,
        check=True,
    )
    env_file = tmp_path / "meterops.env"
    env_file.write_text(
        EXAMPLE.read_text()
        + f"\nMETEROPS_TLS_CERT={certificate}\nMETEROPS_TLS_KEY={key}\n"
        + f"METEROPS_NGINX_LOG_DIR={tmp_path}\n"
    )
    (tmp_path / "site.conf").write_text(render_nginx(env_file).stdout)
    mime_types = Path("/etc/nginx/mime.types")
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  include {mime_types};\n  include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(  # noqa: S603
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(main)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_setting_the_application_reads_is_in_the_example():
    read = set()
    for source in [ROOT / "src/meterops/settings.py", DEPLOY / "gunicorn.conf.py"]:
        read |= set(re.findall(r'environ\.get\(\s*"([A-Z_0-9]+)"', source.read_text()))
        read |= set(re.findall(r'env_(?:bool|list)\(\s*"([A-Z_0-9]+)"', source.read_text()))
    missing = read - set(example_values()) - NOT_FOR_PRODUCTION
    assert not missing, f"not in deploy/meterops.env.example: {sorted(missing)}"


def test_every_value_to_change_is_marked():
    values = example_values()
    for secret in ("SECRET_KEY", "METEROPS_KEY_ENCRYPTION_KEY"):
        assert values[secret] == "CHANGE-ME"
    assert values["DEBUG"] == "0"
    assert values["AXES_PROXY_COUNT"] == "1"
    assert values["MEDIA_ACCEL_REDIRECT"] == "/protected-media/"
