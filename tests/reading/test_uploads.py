"""Unggah Stan Meter through the shared upload pipeline: check, preview, apply (seed 004)."""

from decimal import Decimal

from meterops.imports.models import UploadRow, UploadState
from meterops.reading.choices import ReadingState
from meterops.reading.models import Reading, previous_period
from tests.factories import CustomerFactory
from tests.imports.conftest import applied, checked, csv_file

from .helpers import PERIOD, anomaly, make_customer, make_day, make_reading, make_route

HEADERS = ["BLTH", "IDPEL", "STAN", "TGL_BACA", "PETUGAS", "LBKB", "FOTO"]


def _row(customer, stan="1120", at="2026-02-15 08:00", lbkb="", period=PERIOD):
    return [period, customer.customer_id, stan, at, "UJANG", lbkb, "1.jpg"]


def _setup(cast, n=3):
    route = make_route(make_day(cast.sp_a))
    customers = [make_customer(route, i + 1, power_va=1300) for i in range(n)]
    for customer in customers:
        make_reading(
            customer,
            period=previous_period(PERIOD),
            register="1000",
            consumption_kwh=Decimal(100),
            state=ReadingState.APPROVED,
        )
    anomaly("MB")
    return customers


class ReadingUploadTests:
    def test_rows_become_validated_readings_with_history(self, cast):
        customers = _setup(cast)
        rows = [_row(customers[0]), _row(customers[1], lbkb="mb"), _row(customers[2], "1000")]
        upload = applied(cast.vendor_a, "stan-meter", csv_file(rows, headers=HEADERS))
        assert upload.state == UploadState.APPLIED
        assert (upload.new_rows, upload.rejected_rows) == (3, 0)
        first = Reading.objects.get(customer=customers[0], period=PERIOD)
        assert first.consumption_kwh == Decimal("120.00")  # validated on apply
        assert first.read_at.isoformat() == "2026-02-15T01:00:00+00:00"  # 08:00 WIB
        assert Reading.objects.get(customer=customers[1], period=PERIOD).anomaly.code == "MB"
        assert Reading.objects.get(customer=customers[2], period=PERIOD).flag_zero
        assert first.history.filter(history_change_reason__contains="diunggah").exists()
        linked = set(UploadRow.objects.filter(upload=upload).values_list("record_id", flat=True))
        assert linked == set(Reading.objects.filter(period=PERIOD).values_list("pk", flat=True))

    def test_reading_rules_reject_rows_in_the_preview_naming_the_column(self, cast):
        customers = _setup(cast, 2)
        prepaid = CustomerFactory(unit=cast.sp_a, payment_mode="prepaid")
        make_reading(customers[1], state=ReadingState.APPROVED)
        rows = [
            _row(customers[0], lbkb="ZZ"),
            _row(customers[1]),
            _row(prepaid),
            _row(customers[0], period="202613"),
            [PERIOD, customers[0].customer_id, "1", "kemarin", "", "", ""],
        ]
        upload = checked(cast.vendor_a, "stan-meter", csv_file(rows, headers=HEADERS))
        reasons = dict(UploadRow.objects.filter(upload=upload).values_list("row_number", "reason"))
        assert "LBKB ZZ tidak dikenal" in reasons[2]
        assert "sudah disahkan" in reasons[3]
        assert "prabayar" in reasons[4]
        assert "YYYYMM" in reasons[5]
        assert "tidak dikenali" in reasons[6]
        assert upload.rejected_rows == 5

    def test_another_units_customer_is_out_of_scope(self, cast):
        other = make_customer(make_route(make_day(cast.sp_b)))
        upload = checked(cast.vendor_a, "stan-meter", csv_file([_row(other)], headers=HEADERS))
        row = UploadRow.objects.get(upload=upload)
        assert row.status == "rejected" and "unit Anda" in row.reason
        assert not Reading.objects.filter(period=PERIOD).exists()

    def test_a_re_read_replaces_and_the_same_reading_is_unchanged(self, cast):
        customers = _setup(cast, 1)
        applied(cast.vendor_a, "stan-meter", csv_file([_row(customers[0])], headers=HEADERS))
        same = applied(
            cast.vendor_a,
            "stan-meter",
            csv_file([_row(customers[0])], headers=HEADERS, delimiter=","),
        )
        assert same.unchanged_rows == 1
        again = applied(
            cast.vendor_a,
            "stan-meter",
            csv_file([_row(customers[0], "1130")], headers=HEADERS, name="2.csv"),
        )
        assert again.changed_rows == 1
        reading = Reading.objects.get(customer=customers[0], period=PERIOD)
        assert reading.register_kwh == Decimal("1130.00")
        assert reading.history.count() >= 2

    def test_a_row_approved_between_check_and_apply_is_rejected_not_written(self, cast):
        from meterops.imports import services as imports

        customers = _setup(cast, 2)
        rows = [_row(customers[0]), _row(customers[1])]
        upload = checked(cast.vendor_a, "stan-meter", csv_file(rows, headers=HEADERS))
        make_reading(customers[1], register="999", state=ReadingState.APPROVED)
        imports.start_apply(upload=upload, actor=cast.vendor_a)
        upload = imports.apply_upload(upload_id=upload.pk)
        assert (upload.new_rows, upload.rejected_rows) == (1, 1)
        assert Reading.objects.get(customer=customers[1], period=PERIOD).register_kwh == 999
