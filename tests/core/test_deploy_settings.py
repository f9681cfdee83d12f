"""Production settings come from the environment and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "uji-" + "k8Zq2vT9wXr4Lm7Np3Bs6Df1Gh5Jk0Qe" * 2,
    "ALLOWED_HOSTS": "meterops.example.co.id",
    "DATABASE_URL": "sqlite:////tmp/meterops-deploy-check.sqlite3",
}


def _manage(*args, extra_env=None):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(extra_env or {})
    return subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", extra_env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "identified no issues" in result.stdout or "0 issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    env = dict(PRODUCTION_ENV)
    del env["SECRET_KEY"]
    result = _manage("check", extra_env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_media_can_move_to_another_storage_backend(tmp_path):
    """Past one web machine media go to a bucket (docs/SCALE.md): the backend and its options
    come from the environment."""
    code = "from django.core.files.storage import default_storage as s; print(s.location)"
    result = _manage(
        "shell",
        "-c",
        code,
        extra_env={
            "DEBUG": "1",
            "MEDIA_STORAGE_BACKEND": "django.core.files.storage.FileSystemStorage",
            "MEDIA_STORAGE_OPTIONS": f'{{"location": "{tmp_path}"}}',
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(tmp_path)


def test_storage_options_that_are_not_a_json_object_stop_the_start():
    result = _manage("check", extra_env={"DEBUG": "1", "MEDIA_STORAGE_OPTIONS": "[1, 2]"})
    assert result.returncode != 0
    assert "MEDIA_STORAGE_OPTIONS must be a JSON object" in result.stderr


def test_a_web_worker_loads_every_view_while_it_boots():
    # gunicorn imports meterops.wsgi in each worker before it takes a request, and replaces a
    # worker every max_requests: the URLconf (the API's schemas, ~0.3 s) loads then, not in
    # the first request the new worker answers.
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    env.update({**PRODUCTION_ENV, "PYTHONPATH": str(ROOT / "src")})
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, meterops.wsgi; print('meterops.api.api' in sys.modules)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert loaded.stdout.strip() == "True", loaded.stderr[-2000:]
