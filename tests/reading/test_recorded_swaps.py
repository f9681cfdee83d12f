"""A meter replaced through HOME or Peremajaan gives the reading of that period its swap
(issue #23): recorded in the replacement domain, then read and validated in ACMT."""

import html
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from meterops.core.choices import RoleCode
from meterops.customers.models import Meter
from meterops.reading.choices import ReadingState
from meterops.reading.errors import NothingToDo
from meterops.reading.importer import ReadingRow
from meterops.reading.models import Reading, previous_period
from meterops.reading.services import (
    approve_reading_day,
    send_reading_day,
    submit_reading,
    verify_readings_as_supervisor,
    verify_readings_as_vendor,
    write_reading_rows,
)
from meterops.replacement.models import BillingReplacement, WorkOrder
from meterops.replacement.services import (
    DamageReport,
    NewMeter,
    print_work_orders,
    record_replacement,
    report_damage,
    verify_target,
)
from tests.factories import CustomerFactory, MeterFactory, UserFactory
from tests.imports.conftest import applied, xlsx
from tests.replacement.conftest import jpeg

from .helpers import PERIOD, WIB, make_customer, make_reading, make_route

READ_AT = datetime(2026, 2, 15, 9, tzinfo=WIB)  # PERIOD's reading; the last one: 15-01-2026


@pytest.fixture
def route(day):
    return make_route(day)


@pytest.fixture
def customer(route):
    customer = make_customer(route, power_va=1300)
    MeterFactory(customer=customer, meter_number="45000000031")
    return customer


def _history(customer, last_register="1000"):
    """Three approved readings before PERIOD, 100 kWh each, read on the 15th, the last (of
    15-01-2026) at ``last_register``."""
    for months in (3, 2, 1):
        make_reading(
            customer,
            period=previous_period(PERIOD, months),
            register=last_register if months == 1 else "0",
            consumption_kwh=Decimal(100),
            state=ReadingState.APPROVED,
        )


def _replaced_in_home(supervisor, officer, customer, *, on, final, initial="0", number=None):
    """Data APP Ganti as HOME records it: reported, verified, PK printed, replacement entered."""
    target = report_damage(
        actor=supervisor,
        customer=customer,
        report=DamageReport(damage_type=_damage_type()),
        photos=[jpeg()],
    )
    target = verify_target(target=target, actor=supervisor)
    (work_order,) = print_work_orders(targets=[target], actor=supervisor)
    WorkOrder.objects.filter(pk=work_order.pk).update(
        printed_at=datetime(2025, 12, 1, 9, tzinfo=WIB)
    )
    return record_replacement(
        target=work_order.target,
        actor=supervisor,
        officer=officer,
        new_meter=NewMeter(
            brand="itron",
            meter_number=number or f"560000{customer.pk:05d}",
            initial_reading=Decimal(initial),
        ),
        old_final_reading=Decimal(final),
        replaced_on=on,
        photos=[jpeg("sebelum.jpg"), jpeg("sesudah.jpg")],
        low_reading_reason="stan diperiksa di lapangan",
    )


def _damage_type():
    from meterops.replacement.models import DamageType

    return DamageType.objects.get_or_create(
        code="display-mati", defaults={"name": "Display mati / blank"}
    )[0]


def _uploaded(cast, customer, register, read_at=READ_AT, **stands) -> Reading:
    """The contractor's Unggah Stan Meter row, applied (services.write_reading_rows)."""
    row = ReadingRow(
        row=2,
        customer_id=customer.customer_id,
        register_kwh=Decimal(register),
        read_at=read_at,
        photo="stan.jpg",
        **{name: Decimal(value) for name, value in stands.items()},
    )
    _result, refused = write_reading_rows(actor=cast.vendor_a, period=PERIOD, rows=[row])
    assert refused == []
    return Reading.objects.get(customer=customer, period=PERIOD)


def _sent(cast, reading):
    readings = Reading.objects.filter(pk=reading.pk)
    verify_readings_as_vendor(actor=cast.vendor_a, readings=readings)
    verify_readings_as_supervisor(actor=cast.supervisor, readings=readings)
    send_reading_day(actor=cast.vendor_a, reading_day=reading.reading_day, period=PERIOD)


class HomeReplacementTests:
    def test_reading_counts_across_the_home_replacement_and_is_approved(
        self, cast, customer, approver
    ):
        """Failed before issue #23: 30 − 1000 = −970 kWh, "pemakaian negatif"."""
        _history(customer)
        replacement = _replaced_in_home(
            cast.supervisor, cast.officer, customer, on=date(2026, 2, 10), final="1080"
        )
        reading = _uploaded(cast, customer, "30")
        assert reading.consumption_kwh == Decimal("110")  # (1080 − 1000) + (30 − 0)
        assert reading.hours_on == Decimal("84.62")  # 110 kWh on 1,3 kVA
        assert not (reading.flag_negative or reading.flag_hours_on or reading.flag_swap_mismatch)
        assert (reading.swap_source, reading.swap_reference) == ("home", replacement.target_id)
        assert (reading.recorded_old_final_kwh, reading.recorded_new_initial_kwh) == (1080, 0)
        assert reading.recorded_swap_on == date(2026, 2, 10)
        assert reading.swap_link() == (
            replacement.target.reference,
            f"/replacement/targets/{replacement.target_id}/",
        )
        _sent(cast, reading)
        result = approve_reading_day(actor=approver, reading_day=reading.reading_day, period=PERIOD)
        reading.refresh_from_db()
        assert (reading.state, result.approval.approved_count) == (ReadingState.APPROVED, 1)

    def test_replacement_recorded_after_the_reading_corrects_it(self, cast, customer):
        _history(customer)
        reading = _uploaded(cast, customer, "30")
        assert reading.flag_negative
        _replaced_in_home(
            cast.supervisor, cast.officer, customer, on=date(2026, 2, 10), final="1080"
        )
        reading.refresh_from_db()
        assert (reading.consumption_kwh, reading.flag_negative) == (Decimal("110"), False)

    def test_cek_status_names_the_replacement_the_swap_came_from(self, cast, customer, client_for):
        _history(customer)
        replacement = _replaced_in_home(
            cast.supervisor, cast.officer, customer, on=date(2026, 2, 10), final="1080"
        )
        _uploaded(cast, customer, "30")
        page = html.unescape(
            client_for(cast.supervisor)
            .get(reverse("core:status"), {"customer_id": customer.customer_id})
            .content.decode()
        )
        table = page.split('id="reading-status"')[1].split("</table>")[0]
        assert "Ganti meter 10-02-2026 dari HOME: stan akhir 1.080, stan awal 0" in table
        target = replacement.target
        assert f'<a href="/replacement/targets/{target.pk}/">{target.reference}</a>' in table

    def test_field_app_reading_takes_the_swap_too(self, cast, customer):
        _history(customer)
        _replaced_in_home(
            cast.supervisor, cast.officer, customer, on=date(2026, 2, 10), final="1080"
        )
        reading = submit_reading(
            actor=cast.officer,
            customer=customer,
            period=PERIOD,
            register_kwh=Decimal("30"),
            read_at=READ_AT,
        )
        assert reading.consumption_kwh == Decimal("110")
        assert reading.swap_source == "home"

    def test_swap_on_the_reading_day_counts_before_it(self, cast, customer):
        _history(customer)
        _replaced_in_home(
            cast.supervisor, cast.officer, customer, on=date(2026, 2, 15), final="1080"
        )
        assert _uploaded(cast, customer, "0").consumption_kwh == Decimal("80")

    @pytest.mark.parametrize(
        "replaced_on",
        [date(2026, 1, 15), date(2026, 2, 16)],
        ids=["on the last reading's day", "after this reading"],
    )
    def test_replacement_outside_the_period_does_not_apply(self, cast, customer, replaced_on):
        _history(customer)
        _replaced_in_home(cast.supervisor, cast.officer, customer, on=replaced_on, final="1080")
        reading = _uploaded(cast, customer, "1150")
        assert reading.consumption_kwh == Decimal("150")
        assert reading.swap_source == ""
        assert reading.recorded_old_final_kwh is None

    def test_a_reading_taken_weeks_late_finds_the_swap_before_it(self, cast, customer):
        """The swaps were looked for up to 31 days after the day's schedule (15-02-2026)."""
        _history(customer)
        _replaced_in_home(
            cast.supervisor, cast.officer, customer, on=date(2026, 3, 25), final="1080"
        )
        reading = _uploaded(cast, customer, "30", read_at=datetime(2026, 4, 1, 9, tzinfo=WIB))
        assert (reading.swap_source, reading.consumption_kwh) == ("home", Decimal("110"))

    def test_a_swap_after_an_early_previous_reading_is_found(self, cast, customer):
        """The last reading taken 45 days before its schedule (15-01-2026), the swap 40 days
        before it: in this period, though over 31 days before the previous schedule."""
        _history(customer)
        Reading.objects.filter(customer=customer, period=previous_period(PERIOD)).update(
            read_at=datetime(2025, 12, 1, 9, tzinfo=WIB)
        )
        _replaced_in_home(
            cast.supervisor, cast.officer, customer, on=date(2025, 12, 6), final="1080"
        )
        reading = _uploaded(cast, customer, "30")
        assert (reading.swap_source, reading.consumption_kwh) == ("home", Decimal("110"))

    def test_a_meter_with_a_multiplier_counts_its_register_times_its_fkm(
        self, cast, customer, client_for
    ):
        """Issue #23, "the meter's multiplier where it has one": a meter read through CTs."""
        Meter.objects.filter(customer=customer).update(multiplier=Decimal(40))
        _history(customer)
        reading = _uploaded(cast, customer, "1012.5")
        assert (reading.consumption_kwh, reading.multiplier) == (Decimal(500), Decimal(40))
        page = client_for(cast.supervisor).get(
            reverse("core:status"), {"customer_id": customer.customer_id}
        )
        assert "FKM 40" in page.content.decode()

    def test_across_a_swap_each_meter_counts_with_its_own_fkm(self, cast, customer):
        """The new meter takes the old one's FKM (the CTs stay); when its own differs (new
        CTs), the old meter's part counts with the old FKM and the new part with the new."""
        Meter.objects.filter(customer=customer).update(multiplier=Decimal(40))
        _history(customer)
        replacement = _replaced_in_home(
            cast.supervisor, cast.officer, customer, on=date(2026, 2, 10), final="1002"
        )
        assert replacement.new_meter.multiplier == Decimal(40)
        reading = _uploaded(cast, customer, "3")
        assert reading.consumption_kwh == Decimal(200)  # (2 + 3) × 40
        Meter.objects.filter(pk=replacement.new_meter_id).update(multiplier=Decimal(20))
        reading = _uploaded(cast, customer, "3")
        assert reading.recorded_old_multiplier == Decimal(40)
        assert reading.consumption_kwh == Decimal(140)  # 2 × 40 + 3 × 20

    def test_another_units_replacement_does_not_leak(self, cast, customer):
        _history(customer)
        other = CustomerFactory(unit=cast.sp_b, power_va=1300)
        MeterFactory(customer=other, meter_number="45000000099")
        officer_b = UserFactory(
            username="petugas.b", unit=cast.sp_b, roles=[RoleCode.FIELD_OFFICER]
        )
        _replaced_in_home(cast.outsider, officer_b, other, on=date(2026, 2, 10), final="1080")
        reading = _uploaded(cast, customer, "1150")
        assert (reading.consumption_kwh, reading.swap_source) == (Decimal("150"), "")

    def test_old_meter_rolled_over_before_removal(self, cast, customer):
        _history(customer, last_register="999950")
        _replaced_in_home(cast.supervisor, cast.officer, customer, on=date(2026, 2, 10), final="30")
        reading = _uploaded(cast, customer, "20")
        assert reading.consumption_kwh == Decimal("100")  # (1 000 030 − 999 950) + (20 − 0)
        assert not reading.flag_negative


class UploadedStandsTests:
    def test_agreeing_stands_are_used_silently(self, cast, customer):
        _history(customer)
        _replaced_in_home(
            cast.supervisor, cast.officer, customer, on=date(2026, 2, 10), final="1080"
        )
        reading = _uploaded(
            cast, customer, "30", old_meter_final_kwh="1080", new_meter_initial_kwh="0"
        )
        assert reading.consumption_kwh == Decimal("110")
        assert not reading.flag_swap_mismatch
        assert not reading.is_blocked

    def test_disagreeing_stands_are_flagged_with_both_values_and_held(
        self, cast, customer, approver, client_for
    ):
        _history(customer)
        _replaced_in_home(
            cast.supervisor, cast.officer, customer, on=date(2026, 2, 10), final="1240"
        )
        reading = _uploaded(
            cast, customer, "30", old_meter_final_kwh="1234", new_meter_initial_kwh="0"
        )
        assert reading.flag_swap_mismatch
        assert reading.consumption_kwh == Decimal("270")  # HOME's stands, held for the verifier
        assert (reading.old_meter_final_kwh, reading.recorded_old_final_kwh) == (1234, 1240)
        remark = "Stan ganti meter berbeda: upload 1.234 / 0, HOME 1.240 / 0"
        assert reading.swap_remark() == remark
        page = client_for(cast.supervisor).get(
            "/reading/verifications/", {"reading_day": reading.reading_day_id, "period": PERIOD}
        )
        assert remark in html.unescape(page.content.decode())
        _sent(cast, reading)
        with pytest.raises(NothingToDo, match="1 tertahan"):
            approve_reading_day(actor=approver, reading_day=reading.reading_day, period=PERIOD)

    def test_upload_stands_alone_still_count_without_a_recorded_swap(self, cast, customer):
        _history(customer)
        reading = _uploaded(
            cast, customer, "30", old_meter_final_kwh="1080", new_meter_initial_kwh="0"
        )
        assert (reading.consumption_kwh, reading.swap_source) == (Decimal("110"), "")
        assert not reading.flag_swap_mismatch


HEADERS = [
    "NO_AGENDA",
    "IDPEL",
    "TGL_GANTI",
    "NO_METER_LAMA",
    "STAN_CABUT",
    "MERK_METER_BARU",
    "TYPE_METER_BARU",
    "NO_METER_BARU",
    "STAN_PASANG",
]


class PeremajaanTests:
    def test_billing_swap_without_home_process_gives_the_reading_its_swap(self, cast, customer):
        helpdesk = UserFactory(username="helpdesk.a", unit=cast.sp_a, roles=[RoleCode.HELPDESK])
        _history(customer)
        row = [
            "AG-23",
            customer.customer_id,
            "2026-02-10",
            "45000000031",
            "1080",
            "itron",
            "ACE",
            "56000000231",
            "5",
        ]
        applied(helpdesk, "peremajaan-kumulatif", xlsx([row], headers=HEADERS))
        billing_row = BillingReplacement.objects.get(row_key="AG-23")
        reading = _uploaded(cast, customer, "35")
        assert reading.consumption_kwh == Decimal("110")  # (1080 − 1000) + (35 − 5)
        assert (reading.swap_source, reading.swap_reference) == ("billing", billing_row.pk)
        assert not reading.flag_negative
        assert "dari Peremajaan" in reading.swap_remark()

    def test_a_billing_swap_keeps_the_fkm_of_the_meter_it_replaced(self, cast, customer):
        helpdesk = UserFactory(username="helpdesk.a", unit=cast.sp_a, roles=[RoleCode.HELPDESK])
        Meter.objects.filter(customer=customer).update(multiplier=Decimal(40))
        _history(customer)
        row = ["AG-24", customer.customer_id, "2026-02-10", "45000000031", "1002"]
        applied(
            helpdesk,
            "peremajaan-kumulatif",
            xlsx([[*row, "itron", "ACE", "560002", "1"]], headers=HEADERS),
        )
        assert Meter.objects.get(meter_number="560002").multiplier == Decimal(40)
        reading = _uploaded(cast, customer, "4")
        assert (reading.recorded_old_multiplier, reading.consumption_kwh) == (40, Decimal(200))

    def test_a_second_swap_in_the_period_holds_the_reading_back_naming_both(
        self, cast, customer, approver
    ):
        """HOME swaps the meter on the 5th and the new one breaks and is swapped again on the
        10th: the latest swap counts, and the reading waits for a look at both (issue #23)."""
        _history(customer)
        _replaced_in_home(
            cast.supervisor, cast.officer, customer, on=date(2026, 2, 5), final="1040"
        )
        second = _replaced_in_home(
            cast.supervisor,
            cast.officer,
            customer,
            on=date(2026, 2, 10),
            final="20",
            initial="5",
            number="56000000242",
        )
        reading = _uploaded(cast, customer, "35")
        assert reading.recorded_swaps == 2
        assert (reading.swap_reference, reading.recorded_swap_on) == (
            second.target_id,
            date(2026, 2, 10),
        )
        assert reading.flag_swap_mismatch  # held back like a disagreeing pair
        assert "2 kali ganti meter di periode ini (terakhir 10-02-2026)" in reading.swap_remark()
        _sent(cast, reading)
        with pytest.raises(NothingToDo, match="1 tertahan"):
            approve_reading_day(actor=approver, reading_day=reading.reading_day, period=PERIOD)
