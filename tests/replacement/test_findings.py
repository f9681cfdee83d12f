"""An ACMT reading whose LBKB code says the meter is broken opens (or joins) the customer's HOME
target, once, and Cek Status Terakhir links the two both ways (issue #23)."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meterops.core.choices import Domain
from meterops.core.models import Process
from meterops.reading.choices import ReadingState
from meterops.reading.importer import ReadingRow
from meterops.reading.models import Reading, previous_period
from meterops.reading.services import submit_reading, write_reading_rows
from meterops.replacement.choices import TargetState
from meterops.replacement.findings import damage_type_code_for_anomaly
from meterops.replacement.models import DamageType, ReplacementTarget, TargetOrigin
from meterops.replacement.services import DamageReport, report_damage
from tests.imports.conftest import applied, csv_file
from tests.reading.helpers import (
    PERIOD,
    WIB,
    anomaly,
    make_customer,
    make_day,
    make_reading,
    make_route,
)
from tests.replacement.conftest import jpeg
from tests.threads import at_once

HEADERS = ["BLTH", "IDPEL", "STAN", "TGL_BACA", "PETUGAS", "LBKB", "FOTO"]
NEXT = "202603"


def _row(customer, lbkb="MR", period=PERIOD, stan="1120"):
    day = "2026-03-15 08:00" if period == NEXT else "2026-02-15 08:00"
    return [period, customer.customer_id, stan, day, "UJANG", lbkb, "1.jpg"]


def _upload(user, rows):
    return applied(user, "stan-meter", csv_file(rows, headers=HEADERS))


@pytest.fixture
def customers(cast):
    route = make_route(make_day(cast.sp_a))
    made = [make_customer(route, i + 1, power_va=1300) for i in range(3)]
    for customer in made:
        make_reading(customer, period=previous_period(PERIOD), state=ReadingState.APPROVED)
    for code, label in [("MR", "Meter rusak / mati"), ("SR", "Segel rusak"), ("MB", "Buram")]:
        anomaly(code, label)
    anomaly("RK", "Rumah kosong")
    return made


class BrokenMeterCodesTests:
    @pytest.mark.parametrize(
        ("code", "damage"),
        [("MR", "display-mati"), ("SR", "segel-rusak"), ("MB", None), ("RK", None), ("", None)],
    )
    def test_only_codes_of_a_damaged_app_open_a_target(self, code, damage):
        assert damage_type_code_for_anomaly(code) == damage


class ReadingUploadOpensTargetTests:
    def test_a_broken_meter_code_opens_one_lbkb_target(self, cast, customers):
        broken, closed_house, normal = customers
        _upload(cast.vendor_a, [_row(broken), _row(closed_house, "RK"), _row(normal, "")])
        target = ReplacementTarget.objects.get()
        assert target.customer == broken
        assert target.from_reading_anomaly and target.state == TargetState.SUBMITTED
        assert target.damage_type.code == "display-mati"
        assert target.reading_at_discovery == Decimal("1120.00")
        assert target.reported_by == cast.vendor_a
        assert "LBKB MR" in target.notes and PERIOD in target.notes
        assert target.process.reference == target.reference and target.process.is_open
        assert target.process.events.filter(verb="replacement.opened").count() == 1
        origin = TargetOrigin.objects.get()
        assert (origin.domain, origin.key, origin.opened_target) == (Domain.READING, PERIOD, True)

    def test_the_same_reading_uploaded_again_opens_nothing_more(self, cast, customers):
        _upload(cast.vendor_a, [_row(customers[0])])
        _upload(cast.vendor_a, [_row(customers[0], stan="1130")])  # a re-read, still MR
        assert ReplacementTarget.objects.count() == 1
        assert TargetOrigin.objects.count() == 1

    def test_the_next_period_with_the_code_joins_the_open_target(self, cast, customers):
        _upload(cast.vendor_a, [_row(customers[0])])
        _upload(cast.vendor_a, [_row(customers[0], period=NEXT, stan="1121")])
        target = ReplacementTarget.objects.get()
        assert sorted(target.origins.values_list("key", "opened_target")) == [
            (PERIOD, True),
            (NEXT, False),
        ]
        assert target.process.events.filter(verb="replacement.finding_linked").count() == 1

    def test_consecutive_periods_through_the_service_open_one_target(self, cast, customers):
        for period in (PERIOD, NEXT):
            row = ReadingRow(
                row=1,
                customer_id=customers[0].customer_id,
                register_kwh=Decimal(1120),
                read_at=datetime(int(period[:4]), int(period[4:]), 15, 8, tzinfo=WIB),
                anomaly_code="MR",
            )
            write_reading_rows(actor=cast.vendor_a, period=period, rows=[row])
        assert ReplacementTarget.objects.count() == 1
        assert Process.objects.filter(domain=Domain.REPLACEMENT, is_open=True).count() == 1

    def test_a_customer_with_an_open_target_keeps_it(self, cast, customers):
        earlier = report_damage(
            actor=cast.supervisor,
            customer=customers[0],
            report=DamageReport(damage_type=DamageType.objects.get(code="terbakar")),
            photos=[jpeg()],
        )
        _upload(cast.vendor_a, [_row(customers[0], "SR")])
        assert list(ReplacementTarget.objects.all()) == [earlier]
        assert TargetOrigin.objects.get().target == earlier

    def test_a_closed_target_does_not_stop_a_new_reading_from_opening_one(self, cast, customers):
        _upload(cast.vendor_a, [_row(customers[0])])
        Process.objects.update(is_open=False)  # replaced meanwhile
        _upload(cast.vendor_a, [_row(customers[0], period=NEXT)])
        assert ReplacementTarget.objects.count() == 2

    def test_an_upload_opens_targets_in_the_same_number_of_queries_for_more_rows(self, cast):
        anomaly("MR", "Meter rusak / mati")
        route = make_route(make_day(cast.sp_a))
        warm = [make_customer(route, 30)]
        few = [make_customer(route, n + 1) for n in range(2)]
        many = [make_customer(route, n + 10) for n in range(12)]

        def queries(batch, period):
            rows = [
                ReadingRow(
                    row=n + 1,
                    customer_id=c.customer_id,
                    register_kwh=Decimal(100),
                    read_at=datetime(int(period[:4]), int(period[4:]), 15, 8, tzinfo=WIB),
                    anomaly_code="MR",
                )
                for n, c in enumerate(batch)
            ]
            with CaptureQueriesContext(connection) as captured:
                write_reading_rows(actor=cast.vendor_a, period=period, rows=rows)
            return len(captured)

        queries(warm, "202601")  # the actor's roles and units, cached on the user
        assert queries(many, PERIOD) == queries(few, NEXT)
        assert ReplacementTarget.objects.count() == 15


class FieldReadingOpensTargetTests:
    def test_a_field_reading_with_the_code_opens_one_target_however_often_sent(
        self, cast, customers
    ):
        code = anomaly("MR")
        for _ in range(2):
            submit_reading(
                actor=cast.officer,
                customer=customers[0],
                period=PERIOD,
                register_kwh=Decimal(1120),
                read_at=datetime(2026, 2, 15, 8, tzinfo=WIB),
                anomaly=code,
            )
        assert ReplacementTarget.objects.get().customer == customers[0]


class ScopeTests:
    def test_another_units_vendor_opens_nothing(self, cast, customers):
        upload = _upload(cast.vendor_b, [_row(customers[0])])
        assert upload.new_rows == 0
        assert not ReplacementTarget.objects.exists()


class StatusLinksTests:
    def test_cek_status_links_reading_and_target_both_ways(self, cast, customers, client_for):
        _upload(cast.vendor_a, [_row(customers[0])])
        target = ReplacementTarget.objects.get()
        page = client_for(cast.supervisor).get(
            reverse("core:status"), {"customer_id": customers[0].customer_id}
        )
        html = page.content.decode()
        assert reverse("replacement:target_detail", args=[target.pk]) in html  # reading → TO
        readings_url = reverse("reading:customer_readings", args=[customers[0].pk])
        assert f'<a href="{readings_url}">LBKB MR' in html  # TO → its reading
        detail = client_for(cast.supervisor).get(
            reverse("replacement:target_detail", args=[target.pk])
        )
        assert "target-origins" in detail.content.decode()

    def test_another_unit_sees_neither(self, cast, customers, client_for):
        _upload(cast.vendor_a, [_row(customers[0])])
        target = ReplacementTarget.objects.get()
        outsider = client_for(cast.outsider)
        page = outsider.get(reverse("core:status"), {"customer_id": customers[0].customer_id})
        assert target.reference not in page.content.decode()
        detail = outsider.get(reverse("replacement:target_detail", args=[target.pk]))
        assert detail.status_code == 404


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_two_uploads_of_the_same_reading_at_once_open_one_target(cast):
    anomaly("MR", "Meter rusak / mati")
    customer = make_customer(make_route(make_day(cast.sp_a)))
    # The same reading in two files that differ (the reader's name): two identical files
    # would meet the duplicate-file guard whenever one finished before the other began.
    rows = [_row(customer), _row(customer)]
    rows[1][4] = "ASEP"

    assert at_once(*(lambda row=row: _upload(cast.vendor_a, [row]) for row in rows)) == []
    assert ReplacementTarget.objects.count() == 1
    assert Reading.objects.filter(customer=customer).count() == 1
