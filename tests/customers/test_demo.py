from django.core.management import call_command
from django.db import transaction

from meterops.core.models import Unit, User
from meterops.customers.choices import PaymentMode, RemovalReason
from meterops.customers.models import Customer, Meter
from meterops.prepaid.choices import NEW_CUSTOMER_KINDS


def _snapshot():
    return list(
        Customer.objects.order_by("customer_id").values_list(
            "customer_id", "name", "tariff", "power_va", "payment_mode"
        )
    )


class _RolledBack(Exception):
    pass


def _seed_and_snapshot(seed):
    """Seed inside a transaction that is rolled back, so a second seed starts from empty."""
    try:
        with transaction.atomic():
            call_command("seed_demo", "--targets", "0", "--customers", "50", "--seed", str(seed))
            snapshot = _snapshot()
            raise _RolledBack
    except _RolledBack:
        return snapshot


class SeedDemoTests:
    def test_builds_region_users_and_customers(self, db, capsys):
        call_command("seed_demo", "--targets", "0", "--customers", "300", "--seed", "7")
        assert Unit.objects.filter(level="service_point").count() == 9
        assert Unit.objects.filter(level="area").count() == 3
        # Beside them, the prepaid demo's PB and PS applicants got their IDPEL at entry.
        generated = Customer.objects.exclude(prepaid_requests__kind__in=NEW_CUSTOMER_KINDS)
        assert generated.count() == 300
        # Every one has a meter but those the KRN-2 demo dismantled (bongkar rampung, one in
        # each of its two ULPs).
        dismantled = Meter.objects.filter(
            removal_reason=RemovalReason.DISMANTLED, customer__in=generated
        )
        assert dismantled.count() == 2
        current = Meter.objects.filter(removed_at__isnull=True, customer__in=generated)
        assert current.count() == 300 - 2
        modes = set(Customer.objects.values_list("payment_mode", flat=True))
        assert modes == {PaymentMode.PREPAID, PaymentMode.POSTPAID}
        output = capsys.readouterr().out
        assert "pengawas.baleendah" in output and "meterops-demo" in output
        assert User.objects.get(username="admin").role_codes == {"admin"}

    def test_every_idpel_starts_with_its_unit_code(self, db):
        call_command("seed_demo", "--targets", "0", "--customers", "90", "--seed", "7")
        for customer_id, unit_code in Customer.objects.values_list("customer_id", "unit__code"):
            assert len(customer_id) == 12 and customer_id.isdigit()
            assert customer_id[:5] == unit_code

    def test_same_seed_gives_same_data(self, db):
        first = _seed_and_snapshot(11)
        assert Customer.objects.count() == 0
        assert _seed_and_snapshot(11) == first
        assert _seed_and_snapshot(12) != first

    def test_if_empty_adds_nothing_the_second_time(self, db):
        call_command("seed_demo", "--targets", "0", "--customers", "20")
        count = Customer.objects.count()
        call_command("seed_demo", "--targets", "0", "--customers", "20", "--if-empty")
        assert Customer.objects.count() == count

    def test_prepaid_meters_carry_sts_key_data(self, db):
        call_command("seed_demo", "--targets", "0", "--customers", "200")
        prepaid = Meter.objects.filter(customer__payment_mode=PaymentMode.PREPAID)
        assert prepaid.exists()
        assert not prepaid.filter(supply_group="").exists()
        assert set(prepaid.values_list("key_revision", flat=True)) <= {1, 2}


def test_demo_walks_home_targets_through_every_step(db):
    from meterops.replacement.models import ReplacementTarget

    call_command("seed_demo", "--customers", "300", "--targets", "20", "--seed", "3")
    states = set(ReplacementTarget.objects.values_list("state", flat=True))
    assert {"submitted", "reverify", "verified", "printed", "assigned", "replaced"} <= states


def test_customers_added_in_chunks_fill_new_routes_not_the_last(db):
    """bench_uid builds a UID in chunks: each chunk's customers go on RBMs of their own, each
    RBM full (350) and numbered 1..350 in reading order, none a pile on the ULP's last one."""
    from django.db.models import Count, Max

    from meterops.core.demo import build_region
    from meterops.customers.demo import CUSTOMERS_PER_ROUTE, generate_customers

    units = build_region()
    for chunk in range(3):
        generate_customers(units=units, count=len(units) * 400, seed=chunk)
    routes = Customer.objects.values("route_id").annotate(n=Count("id"), last=Max("route_sequence"))
    assert max(route["n"] for route in routes) == CUSTOMERS_PER_ROUTE
    assert all(route["last"] == route["n"] for route in routes)
    assert len(routes) == len(units) * 4  # 1,200 customers a ULP: 3 full RBMs and a part
