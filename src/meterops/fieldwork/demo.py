"""Demo data of the fieldwork domain in each demo ULP, made through the real services: the
last month's reading audit with some re-checks done, arrears at every step (TUL VI-01,
disconnection, payment and reconnection, a customer eligible for bongkar rampung), a notice
campaign planned for today with the officer's week of targets, and prepaid sampling orders."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from meterops.core.demo import DemoTeam, demo_photo, demo_teams
from meterops.core.models import unit_time_zone
from meterops.customers.choices import PaymentMode
from meterops.customers.models import Customer
from meterops.reading.models import Reading

from . import services
from .choices import DisconnectionMethod, NoticeMaterial, NoticeOutcome, OrderKind, SignerRole
from .models import Arrears, FieldOrder


def _assign(orders, officer, supervisor, planned_on=None) -> list[FieldOrder]:
    services.assign_orders(actor=supervisor, orders=orders, officer=officer, planned_on=planned_on)
    return list(orders.order_by("pk"))


def seed_fieldwork_demo() -> dict:
    """Build each demo ULP's part once; a ULP with field orders already is left alone."""
    made = {"audits": 0, "orders": 0}
    for team in demo_teams():
        if not FieldOrder.objects.filter(unit=team.unit).exists():
            made["audits"] += _team_demo(team)
            made["orders"] += FieldOrder.objects.filter(unit=team.unit).count()
    return made


def _team_demo(team: DemoTeam) -> int:
    """The team's audit (when its ULP has readings), arrears, campaign and sampling."""
    unit, supervisor, officer = team.unit, team.supervisor, team.officer
    audits = 0
    period = (
        Reading.objects.filter(unit=unit)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    if period:
        audit = services.draw_audit_sample(actor=supervisor, unit=unit, period=period)
        services.issue_accuracy_orders(actor=supervisor, audit=audit)
        checks = FieldOrder.objects.filter(kind=OrderKind.ACCURACY_CHECK, sample__audit=audit)
        for n, order in enumerate(_assign(checks, officer, supervisor)[:8]):
            off = Decimal(0) if n % 4 else Decimal(40)  # one in four inaccurate
            services.record_accuracy_check(
                actor=officer,
                order=order,
                register_kwh=order.sample.register_kwh + off,
                photo=demo_photo(f"cek{n}.jpg"),
            )
        audits = 1
    _arrears(team)
    # Any customer may be told; the first ones, so a small demo has a campaign too.
    listed = Customer.objects.filter(
        pk__in=Customer.objects.filter(unit=unit).order_by("pk")[:12].values("pk")
    )
    if listed.exists():
        _campaign(unit, supervisor, officer, listed)
    prepaid = Customer.objects.filter(unit=unit, payment_mode=PaymentMode.PREPAID)
    services.issue_prepaid_sampling_orders(
        actor=supervisor,
        customers=Customer.objects.filter(pk__in=prepaid.order_by("pk")[:5].values("pk")),
    )
    return audits


def _campaign(unit, supervisor, officer, listed) -> None:
    campaign = services.create_campaign(
        actor=supervisor,
        unit=unit,
        name="Brosur Listrik Aman",
        material=NoticeMaterial.BROCHURE,
        customers=listed,
    )
    today = services.local_today(unit_time_zone(unit.pk))
    notices = _assign(campaign.orders.all(), officer, supervisor, planned_on=today)
    services.set_officer_targets(
        actor=supervisor,
        unit=unit,
        officer=officer,
        kind=OrderKind.NOTICE,
        first_day=today,
        last_day=today + timedelta(days=6),
        target=8,
    )
    said = {NoticeOutcome.OTHER: "Rumah sedang direnovasi; pemilik minta dihubungi via telepon"}
    for n, order in enumerate(notices[:6]):
        outcome = [
            NoticeOutcome.IN_PERSON,
            NoticeOutcome.UNDER_DOOR,
            NoticeOutcome.OTHER,
        ][n % 3]
        services.record_notice(
            actor=officer,
            order=order,
            outcome=outcome,
            photo=demo_photo(f"info{n}.jpg"),
            initials="AS",
            note=said.get(outcome, ""),
        )


def _arrears(team: DemoTeam) -> None:
    unit, supervisor, officer = team.unit, team.supervisor, team.officer
    signer = services.designate_signer(
        actor=team.manager,
        unit=unit,
        role=SignerRole.MANAGER,
        name=f"Manajer {unit.name}",
        position=f"Manajer {unit.name}",
        employee_number="8406123Z",
    )
    customers = list(
        Customer.objects.filter(unit=unit, payment_mode=PaymentMode.POSTPAID).order_by("pk")[:12]
    )
    rows = [
        services.ArrearsRow(n + 2, c.customer_id, (n % 4) + 1, Decimal(150_000 * (n % 4 + 1)))
        for n, c in enumerate(customers)
    ]
    services.apply_arrears_batch(actor=supervisor, rows=rows)
    two_plus = Arrears.objects.filter(unit=unit, bills__gte=2).order_by("pk")
    services.mark_disconnection_notices_printed(actor=supervisor, arrears=two_plus, signer=signer)
    services.issue_disconnection_orders(actor=supervisor, arrears=two_plus)
    orders = _assign(
        FieldOrder.objects.filter(unit=unit, kind=OrderKind.DISCONNECTION), officer, supervisor
    )
    for n, order in enumerate(orders[:4]):
        services.record_disconnection(
            actor=officer,
            order=order,
            register_kwh=Decimal(5000 + n),
            photo=demo_photo(f"putus{n}.jpg"),
            method=DisconnectionMethod.MCB_SEALED,
            seal_number=f"SG-{unit.code}-{n + 1:04d}",
        )
    # One paid after its disconnection: its reconnection order is due at H+1.
    if orders:
        services.record_payment(actor=supervisor, customer=orders[0].customer)
    # One disconnected 61 days ago with 3 lembar or more: eligible for bongkar rampung.
    old = Arrears.objects.filter(unit=unit, bills__gte=3, disconnected_at__isnull=False).first()
    if old is not None:
        # Dated back as a whole: the order's issue and cut too, which reading validation reads.
        cut = timezone.now() - timedelta(days=61)
        Arrears.objects.filter(pk=old.pk).update(disconnected_at=cut)
        FieldOrder.objects.filter(arrears=old, kind=OrderKind.DISCONNECTION).update(
            issued_at=cut - timedelta(days=1), done_at=cut, reported_at=cut
        )


def build_demo(*, units, seed: int, options: dict) -> str:
    """seed_demo's audit months, field orders, campaigns and arrears."""
    return f"{seed_fieldwork_demo()['orders']} order pekerjaan lapangan"
