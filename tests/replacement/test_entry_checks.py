"""Data APP Ganti's entry checks (issue #19, seed 000 "Data APP Ganti – Input Data Ganti"):
the replacement date lies between the PK's print day and today, in the unit's time zone, and a
final stan far from the last known one needs a reason."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from meterops.core.errors import InvalidInput
from meterops.replacement.choices import TargetState
from meterops.replacement.models import Replacement, ReplacementTarget, WorkOrder
from meterops.replacement.services import (
    NewMeter,
    assign_work_orders,
    print_work_orders,
    record_replacement,
    verify_target,
)
from meterops.replacement.worklist import replacement_work_orders
from tests.replacement.conftest import jpeg

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def printed(cast, customer, make_target):
    """A target with its PK printed; the stan at discovery is 1500,50 kWh (daya 1300 VA)."""
    target = verify_target(target=make_target(customer), actor=cast.supervisor)
    print_work_orders(targets=[target], actor=cast.supervisor)
    return ReplacementTarget.objects.get(pk=target.pk)


def _record(cast, target, officer, **changes):
    values = {
        "new_meter": NewMeter(brand="itron", meter_number="56000000009", initial_reading=0),
        "old_final_reading": Decimal("1510"),
        "replaced_on": timezone.localdate(),
        "photos": [jpeg("sebelum.jpg"), jpeg("sesudah.jpg")],
    }
    values.update(changes)
    return record_replacement(target=target, actor=cast.supervisor, officer=officer, **values)


def _reported_days_ago(target, days):
    ReplacementTarget.objects.filter(pk=target.pk).update(
        reported_at=timezone.now() - timedelta(days=days)
    )
    target.refresh_from_db()


class ReplacementDateTests:
    def test_date_before_the_pk_was_printed_is_refused(self, cast, printed, field_officer):
        """Issue #19: 1990-01-01 was accepted for a PK printed in 2026."""
        with pytest.raises(InvalidInput, match="sebelum tanggal cetak PK") as refused:
            _record(cast, printed, field_officer, replaced_on=date(1990, 1, 1))
        assert refused.value.field == "replaced_on"
        assert not Replacement.objects.exists()
        printed.refresh_from_db()
        assert printed.state == TargetState.PRINTED

    def test_print_day_is_the_units_day(self, cast, printed, field_officer):
        # 18:30 UTC on 4 March is 01:30 on 5 March in Bandung (WIB): the PK's day is the 5th.
        WorkOrder.objects.filter(target=printed).update(
            printed_at=datetime(2026, 3, 4, 18, 30, tzinfo=ZoneInfo("UTC"))
        )
        with pytest.raises(InvalidInput, match=r"04-03-2026 sebelum tanggal cetak PK 05-03-2026"):
            _record(cast, printed, field_officer, replaced_on=date(2026, 3, 4))
        _reported_days_ago(printed, 400)  # the stan at discovery is older than the replacement
        replacement = _record(
            cast,
            printed,
            field_officer,
            replaced_on=date(2026, 3, 5),
            low_reading_reason="stan diperiksa",
        )
        assert replacement.replaced_on == date(2026, 3, 5)

    def test_date_after_today_in_the_units_zone_is_refused(self, cast, printed, field_officer):
        tomorrow = timezone.localtime(timezone.now(), WIB).date() + timedelta(days=1)
        with pytest.raises(InvalidInput, match="masa depan"):
            _record(cast, printed, field_officer, replaced_on=tomorrow)


class FinalReadingTests:
    def test_stan_far_above_the_last_reading_needs_a_reason(self, cast, printed, field_officer):
        """Issue #19: a final stan of 99999 after 1500,50 passed silently."""
        with pytest.raises(InvalidInput, match=r"melebihi stan terakhir 1\.500,50") as refused:
            _record(cast, printed, field_officer, old_final_reading=Decimal("99999"))
        assert refused.value.field == "low_reading_reason"
        assert "daya 1.300 VA selama 1 hari" in refused.value.message
        replacement = _record(
            cast,
            printed,
            field_officer,
            old_final_reading=Decimal("99999"),
            low_reading_reason="register meloncat, foto terlampir",
        )
        assert replacement.low_reading_reason == "register meloncat, foto terlampir"

    def test_limit_is_the_power_all_day_for_the_days_since(self, cast, printed, field_officer):
        # Reported 9 days ago: 10 days counted, 1,3 kVA × 24 h × 10 = 312 kWh on top of 1500,50.
        _reported_days_ago(printed, 9)
        with pytest.raises(InvalidInput, match=r"selama 10 hari \(batas 1.812,50\)"):
            _record(cast, printed, field_officer, old_final_reading=Decimal("1812.51"))
        replacement = _record(cast, printed, field_officer, old_final_reading=Decimal("1812.50"))
        assert replacement.low_reading_reason == ""

    def test_stan_below_the_latest_acmt_reading_needs_a_reason(
        self, cast, printed, field_officer, last_reading
    ):
        # Read by the meter reader yesterday at 2000, after the broken meter was reported.
        _reported_days_ago(printed, 20)
        last_reading(printed.customer, "2000", read_at=timezone.now() - timedelta(days=1))
        with pytest.raises(InvalidInput, match=r"lebih kecil dari stan terakhir 2\.000,00"):
            _record(cast, printed, field_officer, old_final_reading=Decimal("1900"))

    def test_reading_of_the_meter_before_is_ignored(
        self, cast, printed, field_officer, last_reading
    ):
        printed.meter.installed_at = timezone.localdate() - timedelta(days=5)
        printed.meter.save(update_fields=["installed_at"])
        _reported_days_ago(printed, 1)
        last_reading(printed.customer, "9000", read_at=timezone.now() - timedelta(days=30))
        replacement = _record(cast, printed, field_officer, old_final_reading=Decimal("1510"))
        assert replacement.low_reading_reason == ""


class WorkListFactsTests:
    def test_work_list_carries_print_day_last_stan_and_daily_limit(
        self, cast, printed, field_officer
    ):
        order = WorkOrder.objects.get(target=printed)
        assign_work_orders(work_orders=[order], officer=field_officer, actor=cast.supervisor)
        [item] = replacement_work_orders(field_officer)
        printed_on = timezone.localtime(order.printed_at, WIB).date().isoformat()
        assert item.detail["printed_on"] == printed_on
        assert item.detail["last_reading"] == {"kwh": "1500.50", "on": printed_on}
        assert item.detail["daily_use_limit_kwh"] == "31.2"

    def test_another_units_officer_gets_nothing(self, cast, printed, field_officer):
        order = WorkOrder.objects.get(target=printed)
        assign_work_orders(work_orders=[order], officer=field_officer, actor=cast.supervisor)
        assert replacement_work_orders(cast.outsider) == []


class ReplacementFormTests:
    URL = reverse("replacement:replacement_create")

    def _post(self, cast, client_for, target, field_officer, **changes):
        data = {
            "officer": field_officer.pk,
            "replaced_on": timezone.localdate().isoformat(),
            "old_final_reading": "1510",
            "low_reading_reason": "",
            "brand": "ITRON",
            "meter_number": "56000000777",
            "initial_reading": "0",
            "photos": [jpeg("sebelum.jpg"), jpeg("sesudah.jpg")],
            **changes,
        }
        url = f"{self.URL}?customer_id={target.customer.customer_id}"
        return client_for(cast.supervisor).post(url, data)

    def test_date_before_print_is_shown_on_the_date_field(
        self, cast, client_for, printed, field_officer
    ):
        """Issue #19: the web form took 1990-01-01 for a PK printed in 2026."""
        page = self._post(cast, client_for, printed, field_officer, replaced_on="1990-01-01")
        assert "sebelum tanggal cetak PK" in " ".join(page.context["form"].errors["replaced_on"])
        assert not Replacement.objects.exists()

    def test_far_stan_without_reason_is_shown_on_the_reason_field(
        self, cast, client_for, printed, field_officer
    ):
        """Issue #19: the web form took 99999 after a last stan of 1500,50."""
        page = self._post(cast, client_for, printed, field_officer, old_final_reading="99999")
        errors = " ".join(page.context["form"].errors["low_reading_reason"])
        assert "melebihi stan terakhir" in errors and "isi alasannya" in errors
        assert not Replacement.objects.exists()
        page = self._post(
            cast,
            client_for,
            printed,
            field_officer,
            old_final_reading="99999",
            low_reading_reason="register meloncat",
        )
        assert page.status_code == 302
        assert Replacement.objects.get().low_reading_reason == "register meloncat"

    def test_a_vkrn_for_a_postpaid_meter_is_shown_on_the_vkrn_field(
        self, cast, client_for, printed, field_officer
    ):
        """Issue #23: the new meter's VKRN is for prepaid meters; this customer is postpaid."""
        assert printed.customer.payment_mode == "postpaid"
        page = self._post(cast, client_for, printed, field_officer, vkrn="43")
        assert "hanya diisi untuk meter prabayar" in " ".join(page.context["form"].errors["vkrn"])
        assert not Replacement.objects.exists()

    def test_form_shows_print_day_and_last_stan(self, cast, client_for, printed):
        page = client_for(cast.supervisor).get(
            self.URL, {"customer_id": printed.customer.customer_id}
        )
        text = page.content.decode()
        day = timezone.localtime(printed.work_order.printed_at, WIB).date()
        assert f"dicetak {day:%d-%m-%Y}" in text
        assert "1.500,50 kWh" in text

    def test_outsider_finds_no_pk(self, cast, client_for, printed):
        page = client_for(cast.outsider).get(
            self.URL, {"customer_id": printed.customer.customer_id}
        )
        assert page.context["target"] is None
        assert "Tidak ada PK terbuka" in page.content.decode()
