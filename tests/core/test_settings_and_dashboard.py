import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from meterops.core.choices import TimeZoneName
from meterops.core.models import ZONE_MAX_AGE, UnitSettings, User, unit_time_zone
from meterops.core.services import record_event
from meterops.customers.models import CustomerTally
from meterops.customers.services import count_customers_by_unit
from meterops.customers.tasks import count_customers_by_unit_task
from tests.factories import CustomerFactory

URL = reverse("core:unit_settings")
LIMITS = {
    "overdue_application_days": 14,
    "voltage_low": 198,
    "voltage_high": 231,
    "low_hours_on": 40,
    "audit_sample_percent": 5,
    "audit_sample_minimum": 1,
    "audit_schedule_tolerance_days": 1,
    "audit_accuracy_tolerance_kwh": 5,
}


class UnitSettingsViewTests:
    def test_unit_admin_changes_time_zone_and_history_keeps_it(self, cast, client_for):
        client = client_for(cast.unit_admin)
        response = client.post(
            URL,
            {
                "time_zone": TimeZoneName.WITA,
                "contact_phone": "022-1",
                "overdue_work_order_days": 10,
                **LIMITS,
            },
        )
        assert response.status_code == 302
        saved = UnitSettings.objects.get(unit=cast.area_a)
        assert saved.time_zone == TimeZoneName.WITA
        assert saved.history.first().history_user == cast.unit_admin

    def test_child_unit_inherits_until_it_saves_its_own(self, cast):
        UnitSettings.objects.create(unit=cast.area_a, time_zone=TimeZoneName.WIT)
        assert cast.sp_a.settings_or_default().time_zone == TimeZoneName.WIT

    def test_voltage_band_must_be_ordered(self, cast, client_for):
        data = {
            "time_zone": TimeZoneName.WIB,
            "overdue_work_order_days": 10,
            **LIMITS,
            "voltage_low": 240,
        }
        response = client_for(cast.unit_admin).post(URL, data)
        assert "Batas atas tegangan harus lebih besar" in response.content.decode()
        assert not UnitSettings.objects.filter(unit=cast.area_a).exists()

    def test_invalid_choice_is_reported(self, cast, client_for):
        response = client_for(cast.unit_admin).post(URL, {"time_zone": "Mars/Olympus"})
        assert response.status_code == 200
        assert response.context["form"].errors["time_zone"]

    def test_other_area_unit_is_404(self, cast, client_for):
        response = client_for(cast.unit_admin).post(
            f"{URL}?unit={cast.sp_b.pk}", {"time_zone": TimeZoneName.WIT}
        )
        assert response.status_code == 404
        assert not UnitSettings.objects.filter(unit=cast.sp_b).exists()

    def test_supervisor_gets_403(self, cast, client_for):
        assert client_for(cast.supervisor).get(URL).status_code == 403


class TimeZoneDisplayTests:
    def test_times_show_in_the_unit_zone(self, cast, client_for, customer_a):
        UnitSettings.objects.create(unit=cast.sp_a, time_zone=TimeZoneName.WITA)
        event = record_event(customer=customer_a, domain="replacement", verb="uji", actor=None)
        event.at = datetime(2026, 1, 5, 1, 30, tzinfo=UTC)
        event.save()
        page = (
            client_for(cast.officer)
            .get(reverse("core:status"), {"customer_id": customer_a.customer_id})
            .content.decode()
        )
        assert "05-01-2026 09:30 WITA" in page


class KeptTimeZoneTests:
    """Issue #22: a unit's zone is read once a minute per process, not twice a request."""

    def test_a_zone_changed_here_shows_at_the_next_request(self, cast, client_for, customer_a):
        event = record_event(customer=customer_a, domain="replacement", verb="uji", actor=None)
        event.at = datetime(2026, 1, 5, 1, 30, tzinfo=UTC)
        event.save()
        client = client_for(cast.officer)

        def status() -> str:
            url = reverse("core:status")
            return client.get(url, {"customer_id": customer_a.customer_id}).content.decode()

        assert "05-01-2026 08:30 WIB" in status()
        UnitSettings.objects.create(unit=cast.area_a, time_zone=TimeZoneName.WITA)
        assert "05-01-2026 09:30 WITA" in status()

    def test_a_zone_changed_by_another_process_shows_within_the_max_age(self, cast, monkeypatch):
        settings = UnitSettings.objects.create(unit=cast.sp_a, time_zone=TimeZoneName.WIT)
        assert cast.officer.display_time_zone() == TimeZoneName.WIT
        # Another process's write fires no signal here.
        UnitSettings.objects.filter(pk=settings.pk).update(time_zone=TimeZoneName.WITA)
        assert cast.officer.display_time_zone() == TimeZoneName.WIT
        later = time.monotonic() + ZONE_MAX_AGE + 1
        monkeypatch.setattr(time, "monotonic", lambda: later)
        assert cast.officer.display_time_zone() == TimeZoneName.WITA

    def test_a_unit_moved_under_another_parent_takes_its_zone(self, cast):
        UnitSettings.objects.create(unit=cast.area_b, time_zone=TimeZoneName.WIT)
        assert unit_time_zone(cast.sp_a.pk) == TimeZoneName.WIB
        cast.sp_a.parent = cast.area_b
        cast.sp_a.save()
        assert unit_time_zone(cast.sp_a.pk) == TimeZoneName.WIT

    def test_a_contractors_user_reads_his_first_placements_zone(self, cast):
        UnitSettings.objects.create(unit=cast.sp_a, time_zone=TimeZoneName.WITA)
        vendor = User.objects.get(pk=cast.vendor_a.pk)
        first = min(vendor.placed_units.all(), key=lambda unit: unit.path)
        assert vendor.home_unit() == first
        assert vendor.home_unit_pk() == first.pk
        expected = first.settings_or_default().time_zone
        assert vendor.display_time_zone() == expected


class DashboardTests:
    def test_counts_only_the_user_units(self, cast, client_for, django_assert_max_num_queries):
        CustomerFactory.create_batch(3, unit=cast.sp_a)
        CustomerFactory.create_batch(2, unit=cast.sp_b)
        client = client_for(cast.area_user)
        with django_assert_max_num_queries(35):
            response = client.get(reverse("core:dashboard"))
        assert response.context["totals"]["customers"] == 3
        units = [row["unit"] for row in response.context["rows"]]
        assert cast.sp_b not in units

    def test_active_users_count_every_level_not_only_the_ulps(self, cast, client_for):
        # Before issue #20 the admin's "Pengguna aktif" summed the ULP rows: 2 of the cast's 11.
        cast.outsider.is_active = False
        cast.outsider.save()
        response = client_for(cast.admin).get(reverse("core:dashboard"))
        assert response.context["totals"]["users"] == User.objects.filter(is_active=True).count()
        area = client_for(cast.area_user).get(reverse("core:dashboard"))
        alfa = {"admin.alfa", "spv.alfa", "pengawas.a", "petugas.a", "vendor.a"}  # placed in Alfa
        assert area.context["totals"]["users"] == len(alfa)

    def test_uid_admin_sees_all_units(self, cast, client_for):
        CustomerFactory.create_batch(2, unit=cast.sp_b)
        response = client_for(cast.admin).get(reverse("core:dashboard"))
        assert response.context["totals"]["customers"] == 2


class DashboardCustomerTallyTests:
    """Issue #22: the Pelanggan column comes from a kept tally (counting every customer of a
    UID on each view took 175 ms at p95 at 1M customers), recounted when stale."""

    @pytest.fixture(autouse=True)
    def database_queue(self, settings):
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    @staticmethod
    def recounts() -> int:
        runs = DBTaskResult.objects.filter(task_path__endswith="count_customers_by_unit_task")
        return runs.count()

    def test_the_tally_is_read_and_its_time_shown(self, cast, client_for):
        CustomerFactory.create_batch(3, unit=cast.sp_a)
        count_customers_by_unit()
        CustomerFactory(unit=cast.sp_a)  # after the count: shown at the next one
        with CaptureQueriesContext(connection) as queries:
            response = client_for(cast.area_user).get(reverse("core:dashboard"))
        assert response.context["totals"]["customers"] == 3
        assert not [q for q in queries if 'FROM "customers_customer"' in q["sql"]]
        counted = CustomerTally.objects.get(unit=cast.sp_a).counted_at
        zone = ZoneInfo(cast.area_user.display_time_zone())
        shown = timezone.localtime(counted, zone).strftime("%d-%m-%Y %H:%M")
        assert f"dihitung {shown}" in response.content.decode()
        assert self.recounts() == 0

    def test_a_stale_tally_is_recounted_once(self, cast, client_for):
        count_customers_by_unit()
        CustomerFactory(unit=cast.sp_a)
        CustomerTally.objects.update(counted_at=timezone.now() - timedelta(minutes=6))
        client_for(cast.area_user).get(reverse("core:dashboard"))
        client_for(cast.admin).get(reverse("core:dashboard"))
        assert self.recounts() == 2
        assert count_customers_by_unit_task.call() > 0
        assert count_customers_by_unit_task.call() == 0  # the second finds it fresh
        response = client_for(cast.area_user).get(reverse("core:dashboard"))
        assert response.context["totals"]["customers"] == 1

    def test_before_the_first_tally_the_reach_is_counted_now(self, cast, client_for):
        CustomerFactory(unit=cast.sp_a)
        CustomerFactory(unit=cast.sp_b)
        response = client_for(cast.area_user).get(reverse("core:dashboard"))
        assert response.context["totals"]["customers"] == 1
        assert "dihitung saat ini" in response.content.decode()
        assert self.recounts() == 1

    def test_another_units_tally_is_not_seen(self, cast, client_for):
        CustomerFactory.create_batch(2, unit=cast.sp_b)
        count_customers_by_unit()
        response = client_for(cast.area_user).get(reverse("core:dashboard"))
        assert response.context["totals"]["customers"] == 0
