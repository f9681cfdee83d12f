"""A throwaway PostgreSQL database for one benchmark run, with Django set up on it."""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def recreate_database(url: str, *, create: bool) -> None:
    """Drop the database named in ``url`` (and create it again if asked)."""
    name = urlsplit(url).path.lstrip("/")
    admin_url = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        admin.execute(drop.format(sql.Identifier(name)))
        if create:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django_on_fresh_database(url: str) -> None:
    """Create the database anew and point Django at it (the settings read the environment)."""
    recreate_database(url, create=True)
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meterops.settings")
    import django

    django.setup()
