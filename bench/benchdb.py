"""A throwaway PostgreSQL database for one benchmark run, with Django set up on it."""

import os
import platform
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

# The UID bench_uid.py builds and keeps; bench_api_load.py --reuse runs against it.
UID_URL = "postgres://postgres@127.0.0.1:5432/uid_bench"


def recreate_database(url: str, *, create: bool) -> None:
    """Drop the database named in ``url`` (and create it again if asked)."""
    name = urlsplit(url).path.lstrip("/")
    admin_url = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        admin.execute(drop.format(sql.Identifier(name)))
        if create:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@contextmanager
def throwaway_database(url: str, *, keep: bool = False, reuse: bool = False) -> Iterator[None]:
    """A new, migrated database for the run, Django pointed at it; dropped again afterwards.

    ``reuse`` migrates the database a kept run left instead of making a new one, and ``keep``
    leaves it behind for the next run: a large build is then made once and measured again
    after a change. Prints the machine the figures come from, the same way for every benchmark.
    """
    if not reuse:
        recreate_database(url, create=True)
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "1"  # the settings' development defaults; queries are not logged
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meterops.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    try:
        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        print(
            f"Python {platform.python_version()}, PostgreSQL {version}, "
            f"{os.cpu_count()} CPU, {platform.machine()}"
        )
        yield
    finally:
        connections.close_all()
        if not keep:
            recreate_database(url, create=False)


def execute(statement: str, params=None) -> int:
    """Run one SQL statement on Django's connection; the rows it touched."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def scalar(statement: str, params=None):
    """The first column of the first row of one SQL query on Django's connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]
