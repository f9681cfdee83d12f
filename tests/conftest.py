"""The fixed cast of the tests (STYLE.md): a region with two areas, units, users, contractors.

region (UID 50000)
  area_a (UP3 51000)  -> sp_a (ULP 51001), sp_a2 (ULP 51002)
  area_b (UP3 52000)  -> sp_b (ULP 52001)
contractor_a works for area_a; contractor_b works for sp_b.
"""

import os
from types import SimpleNamespace

import pytest

from meterops.core.choices import RoleCode, UnitLevel
from meterops.core.models import Role, forget_time_zones
from tests.factories import ContractorFactory, CustomerFactory, UnitFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls the browser
# tests make around it are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# What the data migrations wrote (roles, damage types, anomaly codes...), as Django serialized
# it for the tests that ask for django_db_serialized_rollback. Django restores it through the
# connection of the thread that made the test database; Playwright's event loop gives the
# browser tests another connection object, so they restore it from here (restore_migrated_rows).
MIGRATED_ROWS: list[str] = []


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.db import connections

    contents = getattr(connections["default"], "_test_serialized_contents", None)
    if contents:
        MIGRATED_ROWS.append(contents)


def restore_migrated_rows():
    """Put back the data migrations' rows a live-server test's flush removed (content types
    and permissions the flush's post_migrate made again are left as they are)."""
    from django.core import serializers
    from django.db import connection, transaction

    if not MIGRATED_ROWS:
        return
    with transaction.atomic(), connection.constraint_checks_disabled():
        for row in serializers.deserialize("json", MIGRATED_ROWS[0]):
            if row.object._meta.app_label not in ("contenttypes", "auth"):
                row.save()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Production hashing costs ~0.3 s a user; the tests make hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A test's rolled-back unit settings fire no signal: no test sees another's time zones.
    forget_time_zones()


def build_cast():
    # Browser tests run on a flushed database, where the roles' data migration left nothing.
    Role.objects.bulk_create([Role(code=code) for code in RoleCode.values], ignore_conflicts=True)
    region = UnitFactory(code="50000", name="UID UJI", level=UnitLevel.REGION)
    area_a = UnitFactory(code="51000", name="UP3 ALFA", level=UnitLevel.AREA, parent=region)
    area_b = UnitFactory(code="52000", name="UP3 BETA", level=UnitLevel.AREA, parent=region)
    sp_a = UnitFactory(code="51001", name="ULP ALFA SATU", parent=area_a)
    sp_a2 = UnitFactory(code="51002", name="ULP ALFA DUA", parent=area_a)
    sp_b = UnitFactory(code="52001", name="ULP BETA SATU", parent=area_b)
    contractor_a = ContractorFactory(code="VND-A", name="PT Vendor Alfa", units=[area_a])
    contractor_b = ContractorFactory(code="VND-B", name="PT Vendor Beta", units=[sp_b])
    return SimpleNamespace(
        region=region,
        area_a=area_a,
        area_b=area_b,
        sp_a=sp_a,
        sp_a2=sp_a2,
        sp_b=sp_b,
        contractor_a=contractor_a,
        contractor_b=contractor_b,
        admin=UserFactory(username="admin", unit=region, roles=[RoleCode.ADMIN]),
        unit_admin=UserFactory(
            username="admin.alfa",
            unit=area_a,
            roles=[RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR],
        ),
        area_user=UserFactory(username="spv.alfa", unit=area_a, roles=[RoleCode.SUPERVISOR]),
        supervisor=UserFactory(username="pengawas.a", unit=sp_a, roles=[RoleCode.SUPERVISOR]),
        officer=UserFactory(username="petugas.a", unit=sp_a, roles=[RoleCode.FIELD_OFFICER]),
        outsider=UserFactory(username="pengawas.b", unit=sp_b, roles=[RoleCode.SUPERVISOR]),
        outsider_admin=UserFactory(username="admin.beta", unit=area_b, roles=[RoleCode.UNIT_ADMIN]),
        vendor_a=UserFactory(
            username="vendor.a", contractor=contractor_a, roles=[RoleCode.CONTRACTOR_ADMIN]
        ),
        vendor_b=UserFactory(
            username="vendor.b", contractor=contractor_b, roles=[RoleCode.CONTRACTOR_ADMIN]
        ),
    )


@pytest.fixture
def cast(db):
    return build_cast()


@pytest.fixture
def customer_a(cast):
    return CustomerFactory(unit=cast.sp_a, name="ASEP SUNANDAR")


@pytest.fixture
def customer_b(cast):
    return CustomerFactory(unit=cast.sp_b, name="BUDI HARTONO")


@pytest.fixture
def client_for(client):
    """Log a cast member in without the captcha (the login itself is tested on its own)."""

    def login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login
