"""Peremajaan Kumulatif: the billing H+1 export against what the field entered (seed 000)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from meterops.core.models import Process
from meterops.customers.models import Meter
from meterops.imports.models import UploadRow
from meterops.replacement.billing_upload import resolve_billing_conflict
from meterops.replacement.choices import BillingOutcome, TargetState
from meterops.replacement.models import (
    BillingReplacement,
    DamageType,
    Replacement,
    ReplacementTarget,
    WorkOrder,
)
from tests.customers.helpers import DAMAGED_METER, meter_removed_as_damaged
from tests.factories import CustomerFactory, MeterFactory

from .conftest import applied, checked, csv_file, xlsx

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


def _row(key, customer, new_number, old_number=""):
    return [
        key,
        customer.customer_id,
        "2026-11-20",
        old_number,
        "5120,5",
        "itron",
        "ACE",
        new_number,
        "0",
    ]


def _target(customer, state, officer=None):
    process = Process.objects.create(
        customer=customer,
        unit=customer.unit,
        domain="replacement",
        kind="Target ganti meter",
        reference="",
        state=state,
    )
    target = ReplacementTarget.objects.create(
        process=process,
        customer=customer,
        unit=customer.unit,
        source="fault",
        state=state,
        damage_type=DamageType.objects.first(),
        meter=customer.current_meter,
    )
    if state in (TargetState.PRINTED, TargetState.ASSIGNED):
        WorkOrder.objects.create(
            target=target,
            unit=customer.unit,
            number=f"PK/{target.pk}",
            printed_by=officer,
            assigned_to=officer,
        )
    return target


def _field_replacement(customer, new_number, user):
    target = _target(customer, TargetState.REPLACED)
    target.process.is_open = False
    target.process.save()
    old = customer.current_meter
    old.removed_at = date(2026, 11, 19)
    old.save()
    meter = Meter.objects.create(
        customer=customer, brand="HEXING", meter_number=new_number, installed_at=date(2026, 11, 19)
    )
    return Replacement.objects.create(
        target=target,
        unit=customer.unit,
        old_meter=old,
        new_meter=meter,
        old_final_reading=Decimal(5120),
        new_initial_reading=Decimal(0),
        replaced_on=date(2026, 11, 19),
        officer=user,
        recorded_by=user,
    )


@pytest.fixture
def helpdesk(cast):
    from meterops.core.choices import RoleCode
    from tests.factories import UserFactory

    return UserFactory(username="helpdesk.a", unit=cast.sp_a, roles=[RoleCode.HELPDESK])


class PeremajaanTests:
    def test_each_outcome_and_nothing_skipped(self, cast, helpdesk, damage_type):
        plain, printed, confirmed, conflicting, early = (
            CustomerFactory(unit=cast.sp_a) for _ in range(5)
        )
        for customer in (plain, printed, confirmed, conflicting, early):
            MeterFactory(customer=customer)
        target = _target(printed, TargetState.ASSIGNED, officer=cast.officer)
        waiting = _target(early, TargetState.VERIFIED)
        field_same = _field_replacement(confirmed, "56000000003", cast.officer)
        field_other = _field_replacement(conflicting, "56000000099", cast.officer)
        rows = [
            _row("AG1", plain, "56000000001", plain.current_meter.meter_number),
            _row("AG2", printed, "56000000002"),
            _row("AG3", confirmed, "56000000003"),
            _row("AG4", conflicting, "56000000004"),
            _row("AG5", early, "56000000005"),
        ]
        upload = applied(helpdesk, "peremajaan-kumulatif", xlsx(rows, headers=HEADERS))
        outcomes = dict(BillingReplacement.objects.values_list("row_key", "outcome"))
        assert outcomes == {
            "AG1": BillingOutcome.METER_UPDATED,
            "AG2": BillingOutcome.COMPLETED,
            "AG3": BillingOutcome.CONFIRMED,
            "AG4": BillingOutcome.CONFLICT,
            "AG5": BillingOutcome.CONFLICT,
        }
        assert upload.rejected_rows == 0 and upload.changed_rows == 5
        # meter updated in the DIL
        assert plain.current_meter.meter_number == "56000000001"
        assert plain.meters.get(removed_at=date(2026, 11, 20)).pk
        # the open TO with a work order is completed from the billing data
        target.refresh_from_db()
        assert target.state == TargetState.REPLACED and not target.process.is_open
        replacement = target.replacement
        assert replacement.new_meter.meter_number == "56000000002"
        assert replacement.officer == cast.officer and replacement.billing_confirmed_at
        assert replacement.old_final_reading == Decimal("5120.5")
        # the field's same entry is confirmed; the different one is left alone, listed
        field_same.refresh_from_db()
        assert field_same.billing_confirmed_at is not None
        field_other.refresh_from_db()
        assert field_other.billing_confirmed_at is None
        assert conflicting.current_meter.meter_number == "56000000099"
        conflict = BillingReplacement.objects.get(row_key="AG4")
        assert "56000000099" in conflict.conflict_reason
        waiting.refresh_from_db()
        assert waiting.state == TargetState.VERIFIED
        assert "belum ada PK" in BillingReplacement.objects.get(row_key="AG5").conflict_reason
        assert UploadRow.objects.filter(upload=upload, record_id__isnull=True).count() == 0

    def test_same_rows_again_change_nothing(self, cast, helpdesk, damage_type):
        customer = CustomerFactory(unit=cast.sp_a)
        MeterFactory(customer=customer)
        rows = [_row("AG1", customer, "56000000001")]
        applied(helpdesk, "peremajaan-kumulatif", xlsx(rows, headers=HEADERS))
        again = applied(helpdesk, "peremajaan-kumulatif", csv_file(rows, headers=HEADERS))
        assert (again.unchanged_rows, again.changed_rows) == (1, 0)
        assert Meter.objects.filter(customer=customer).count() == 2
        assert BillingReplacement.objects.count() == 1

    def test_new_meter_current_elsewhere_is_rejected(self, cast, helpdesk, damage_type):
        customer, other = CustomerFactory(unit=cast.sp_a), CustomerFactory(unit=cast.sp_a)
        MeterFactory(customer=other, meter_number="56000000001")
        upload = checked(
            helpdesk,
            "peremajaan-kumulatif",
            xlsx([_row("AG1", customer, "56000000001")], headers=HEADERS),
        )
        row = UploadRow.objects.get(upload=upload)
        assert row.error_column == "NO_METER_BARU" and other.customer_id in row.reason

    def test_new_meter_removed_as_damaged_is_rejected(self, cast, helpdesk, damage_type):
        """Bug #16: a meter taken out of customer A as damaged went in as B's new meter."""
        damaged_at = meter_removed_as_damaged(cast)
        customer = CustomerFactory(unit=cast.sp_a)
        MeterFactory(customer=customer)
        upload = checked(
            helpdesk,
            "peremajaan-kumulatif",
            xlsx([_row("AG1", customer, DAMAGED_METER)], headers=HEADERS),
        )
        row = UploadRow.objects.get(upload=upload)
        assert row.error_column == "NO_METER_BARU"
        assert "dibongkar karena rusak (Register macet" in row.reason
        assert damaged_at.customer_id in row.reason

    def test_a_completed_to_removes_the_meter_as_damaged(self, cast, helpdesk, damage_type):
        customer = CustomerFactory(unit=cast.sp_a)
        old = MeterFactory(customer=customer)
        _target(customer, TargetState.ASSIGNED, officer=cast.officer)
        applied(
            helpdesk,
            "peremajaan-kumulatif",
            xlsx([_row("AG1", customer, "56000000002")], headers=HEADERS),
        )
        old.refresh_from_db()
        assert old.removal_reason == "damaged" and old.removal_note == damage_type.name

    def test_conflict_is_resolved_with_a_note(self, cast, helpdesk, damage_type, client_for):
        customer = CustomerFactory(unit=cast.sp_a)
        MeterFactory(customer=customer)
        _target(customer, TargetState.SUBMITTED)
        applied(
            helpdesk,
            "peremajaan-kumulatif",
            xlsx([_row("AG1", customer, "56000000001")], headers=HEADERS),
        )
        row = BillingReplacement.objects.get()
        page = client_for(cast.supervisor).get("/replacement/billing/").content.decode()
        assert "AG1" in page
        assert "AG1" not in client_for(cast.outsider).get("/replacement/billing/").content.decode()
        resolve_billing_conflict(row=row, actor=cast.supervisor, note="TO dicek ke lapangan")
        row.refresh_from_db()
        assert row.resolved_by == cast.supervisor and row.resolved_at <= timezone.now()
