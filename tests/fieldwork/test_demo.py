import pytest
from django.core.management import call_command

from meterops.fieldwork.choices import OrderKind
from meterops.fieldwork.models import Arrears, AuditMonth, FieldOrder, OfficerTarget


@pytest.mark.django_db
def test_seed_demo_builds_fieldwork_through_the_services():
    call_command("seed_demo", "--customers", "400", "--targets", "0", "--seed", "5")
    assert set(AuditMonth.objects.values_list("unit__code", flat=True)) == {"53551", "53542"}
    kinds = set(FieldOrder.objects.values_list("kind", flat=True))
    assert {OrderKind.ACCURACY_CHECK, OrderKind.DISCONNECTION, OrderKind.NOTICE} <= kinds
    assert FieldOrder.objects.filter(kind=OrderKind.RECONNECTION, due_at__isnull=False).exists()
    assert Arrears.objects.filter(paid_at__isnull=False).exists()
    assert FieldOrder.objects.filter(kind=OrderKind.NOTICE, planned_on__isnull=False).exists()
    assert FieldOrder.objects.filter(outcome="other").exclude(note="").exists()
    assert OfficerTarget.objects.exists()
    call_command("seed_demo", "--customers", "0", "--targets", "0")
    assert AuditMonth.objects.count() == 2
