"""Demo HOME data, made through the services and the upload pipeline, in each demo ULP: broken
meters at every step of the workflow (with photos and scanned BAs), a TO upload by the ULP's
supervisor and a Peremajaan billing export by its manager, both with rows the check rejects,
and a programme TO upload checked and waiting for the supervisor to apply it.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Exists, OuterRef
from django.utils import timezone

from meterops.core.choices import Domain
from meterops.core.demo import DemoTeam, demo_photo, demo_teams
from meterops.core.excel import xlsx_bytes
from meterops.core.models import Process, User
from meterops.customers.models import Customer, Meter
from meterops.documents.demo import demo_pdf
from meterops.imports import services as imports
from meterops.imports.models import Upload
from meterops.imports.registry import ImportTemplate

from .billing_upload import PEREMAJAAN_KUMULATIF, resolve_billing_conflict
from .choices import BillingOutcome, TargetState
from .models import BillingReplacement, DamageType, Replacement, ReplacementTarget, WorkOrder
from .printing import print_batch
from .services import (
    DamageReport,
    NewMeter,
    assign_work_orders,
    attach_ba_document,
    drop_target,
    record_replacement,
    report_damage,
    send_target_to_reverification,
    verify_target,
)
from .uploads import TO_EX_DG, TO_NON_EX_DG

# How far each demo target goes: (share, last step).
STEPS = (
    (4, "submitted"),
    (2, "reverify"),
    (1, "dropped"),
    (3, "verified"),
    (3, "printed"),
    (3, "assigned"),
    (5, "replaced"),
)


def _photo(rng: random.Random, label: str) -> SimpleUploadedFile:
    return demo_photo(f"{label}.jpg", label, (rng.randint(40, 200), 90, 60))


def generate_targets(*, count: int, seed: int) -> int:
    """Put ``count`` customers of each demo ULP on the target list and walk them along."""
    rng = random.Random(seed)
    damage_types = list(DamageType.objects.filter(is_active=True))
    # Interleaved by share, so even a few targets per ULP reach every step (printed ones
    # draw the dashboard's chart).
    plan = [
        step
        for _position, _order, step in sorted(
            ((k + 0.5) / share, order, step)
            for order, (share, step) in enumerate(STEPS)
            for k in range(share)
        )
    ]
    made = 0
    for team in demo_teams():
        untouched = Customer.objects.filter(unit=team.unit, processes__isnull=True)
        customers = list(untouched.order_by("customer_id")[: count * 3])
        for n, customer in enumerate(rng.sample(customers, min(count, len(customers)))):
            target = report_damage(
                actor=team.supervisor,
                customer=customer,
                report=DamageReport(
                    damage_type=rng.choice(damage_types),
                    reading_at_discovery=Decimal(rng.randint(200, 9000)),
                    notes="Data demo",
                    from_reading_anomaly=rng.random() < 0.2,
                ),
                photos=[_photo(rng, customer.customer_id)],
            )
            _walk(target, plan[n % len(plan)], team, rng)
            made += 1
    return made


def _walk(target, step: str, team: DemoTeam, rng: random.Random) -> None:
    supervisor = team.supervisor
    if step == "submitted":
        return
    if step in ("reverify", "dropped"):
        send_target_to_reverification(
            target=target, actor=supervisor, reason="Foto kurang jelas, cek ulang di lapangan"
        )
        attach_ba_document(
            target=target,
            actor=supervisor,
            upload=demo_pdf(
                f"BA_{target.reference}.pdf",
                "BERITA ACARA VERIFIKASI LAPANGAN",
                (f"Target {target.reference}", f"IDPEL {target.customer.customer_id}"),
            ),
        )
        if step == "dropped":
            drop_target(
                target=target, actor=supervisor, reason="Meter ternyata normal setelah dicek"
            )
        return
    target = verify_target(target=target, actor=supervisor)
    if step == "verified":
        return
    print_batch(targets=[target], actor=supervisor)  # as Cetak PK prints: a batch to fetch again
    work_order = WorkOrder.objects.get(target=target)
    if step == "printed":
        return
    assign_work_orders(work_orders=[work_order], officer=team.officer, actor=supervisor)
    if step == "assigned":
        return
    record_replacement(
        target=target,
        actor=supervisor,
        officer=team.officer,
        new_meter=NewMeter(
            brand="ITRON",
            model="ACE 9000",
            meter_number=f"77{target.pk:09d}",
            initial_reading=Decimal("0.0"),
            seal_numbers="SG-01",
        ),
        old_final_reading=target.reading_at_discovery + rng.randint(1, 10),  # within 450 VA a day
        replaced_on=timezone.localdate(),
        photos=[_photo(rng, "sebelum"), _photo(rng, "sesudah")],
    )


def _run_upload(
    *, actor: User, template: ImportTemplate, name: str, rows: list, apply: bool
) -> Upload:
    """Upload and check a generated .xlsx in this process, as the worker would, and apply it
    unless it is to wait for the user's confirmation."""
    upload = imports.create_upload(
        actor=actor,
        template=template,
        upload_file=SimpleUploadedFile(name, xlsx_bytes("Data", template.headers, rows)),
    )
    upload = imports.check_upload(upload_id=upload.pk)
    if not apply:
        return upload
    imports.start_apply(upload=upload, actor=actor)
    return imports.apply_upload(upload_id=upload.pk)


def _free_customers(unit):
    """The unit's customers without an open HOME process, in IDPEL order."""
    open_home = Process.objects.filter(
        customer=OuterRef("pk"), domain=Domain.REPLACEMENT, is_open=True
    )
    return Customer.objects.filter(unit=unit).filter(~Exists(open_home)).order_by("customer_id")


def _outsider(actor: User) -> Customer | None:
    """A customer outside the uploader's units: the scope rule rejects its row."""
    home = actor.home_unit()
    return (
        Customer.objects.exclude(unit__path__startswith=home.path).order_by("customer_id").first()
    )


def _first_target(unit, state: str) -> ReplacementTarget | None:
    targets = ReplacementTarget.objects.filter(unit=unit, state=state)
    return targets.select_related("customer", "meter").order_by("pk").first()


def _to_rows(team: DemoTeam) -> list[list]:
    """TO Ex DG: two new targets, one update of a waiting target, and three rows rejected (a
    verified target, a customer of another ULP, an unknown damage type)."""
    damage = DamageType.objects.filter(is_active=True).order_by("name").first()
    rows = [
        [c.customer_id, damage.name, Decimal(1500 + n), None, None, "Upload demo"]
        for n, c in enumerate(_free_customers(team.unit)[:2])
    ]
    waiting = _first_target(team.unit, TargetState.SUBMITTED)
    if waiting is not None:
        rows.append(
            [waiting.customer.customer_id, damage.name, None, None, None, "Segel juga rusak"]
        )
    verified = _first_target(team.unit, TargetState.VERIFIED)
    if verified is not None:
        rows.append([verified.customer.customer_id, damage.name, None, None, None, "Dobel"])
    outsider = _outsider(team.supervisor)
    if outsider is not None:
        rows.append([outsider.customer_id, damage.name, None, None, None, "Salah unit"])
    if rows:
        rows.append([rows[0][0], "METER DIMAKAN RAYAP", None, None, None, "Jenis tidak ada"])
    return rows


def _programme_rows(team: DemoTeam) -> list[list]:
    """TO Non Ex DG, left checked for the user to apply: up to three new targets of a
    programme and one row rejected for its missing programme name."""
    damage = DamageType.objects.filter(is_active=True).order_by("name").first()
    programme = "Peremajaan Meter Tua 2026"
    rows = [
        [c.customer_id, damage.name, programme, None, None, None, "Meter umur > 15 tahun"]
        for c in _free_customers(team.unit)[:3]
    ]
    if rows:
        rows.append([*rows[0][:2], None, None, None, None, "Tanpa nama program"])
    return rows


def _billing_rows(team: DemoTeam) -> list[list]:
    """Peremajaan Kumulatif: a row of each outcome the unit's targets allow (completed,
    conflict, confirmed, meter updated) and three rejected (another unit's customer, a date
    that does not exist, a repeated NO_AGENDA)."""
    day = timezone.localdate() - timedelta(days=1)
    agenda = f"{team.unit.code}{day:%y%m%d}"
    rows = []

    def add(customer, old_meter: str, new_meter: str, final) -> None:
        key = f"{agenda}{len(rows) + 1:04d}"
        reading = Decimal(final)
        rows.append(
            [key, customer.customer_id, day, old_meter, reading, "ITRON", "ACE 9000", new_meter, 0]
        )

    for state in (TargetState.PRINTED, TargetState.SUBMITTED):
        target = _first_target(team.unit, state)
        if target is not None:
            old_meter = target.meter.meter_number if target.meter else ""
            add(target.customer, old_meter, f"56{target.pk:09d}", 4200)
    replacements = Replacement.objects.filter(
        unit=team.unit, billing_confirmed_at__isnull=True
    ).select_related("target__customer", "old_meter", "new_meter")
    for n, replacement in enumerate(replacements.order_by("pk")[:2]):
        # The first as the field entered it (confirmed), the second with another meter.
        field_meter = replacement.new_meter.meter_number
        add(
            replacement.target.customer,
            replacement.old_meter.meter_number if replacement.old_meter else "",
            field_meter if n == 0 else f"57{replacement.pk:09d}",
            replacement.old_final_reading,
        )
    untouched = (
        Meter.objects.filter(customer__unit=team.unit, removed_at__isnull=True)
        .exclude(customer__processes__domain=Domain.REPLACEMENT)
        .select_related("customer")
        .order_by("customer__customer_id")
        .first()
    )
    if untouched is not None:
        customer = untouched.customer
        add(customer, untouched.meter_number, f"58{customer.pk:09d}", 9100)
    outsider = _outsider(team.manager)
    if outsider is not None:
        add(outsider, "", f"59{outsider.pk:09d}", 100)
    if rows:
        bad_date = [*rows[0]]
        bad_date[0], bad_date[2] = f"{agenda}9998", "31-02-2026"
        rows.append(bad_date)
        rows.append([*rows[0]])  # the same NO_AGENDA twice
    return rows


def upload_demo_files() -> int:
    """Each team's TO upload (its supervisor) and Peremajaan export (its manager), applied,
    one billing conflict reviewed, and a programme TO upload waiting to be applied; a team
    that has them already is left as it is."""
    made = 0
    for team in demo_teams():
        for actor, template, rows_of, apply in (
            (team.supervisor, TO_EX_DG, _to_rows, True),
            (team.manager, PEREMAJAAN_KUMULATIF, _billing_rows, True),
            (team.supervisor, TO_NON_EX_DG, _programme_rows, False),
        ):
            if Upload.objects.filter(uploaded_by=actor, template_code=template.code).exists():
                continue
            rows = rows_of(team)
            if rows:
                name = f"{template.code.upper().replace('-', '_')}_{team.unit.code}.xlsx"
                _run_upload(actor=actor, template=template, name=name, rows=rows, apply=apply)
                made += 1
        conflicts = BillingReplacement.objects.filter(
            unit=team.unit, outcome=BillingOutcome.CONFLICT
        ).order_by("pk")
        if conflicts.exists() and not conflicts.filter(resolved_at__isnull=False).exists():
            resolve_billing_conflict(
                row=conflicts.first(),
                actor=team.manager,
                note="Dicek ke lapangan bersama petugas; koreksi data dikirim ke AP2T.",
            )
    return made


def build_demo(*, units, seed: int, options: dict) -> str:
    """seed_demo's HOME targets (``options["targets"]`` per demo ULP) and uploads."""
    targets = generate_targets(count=options["targets"], seed=seed)
    return f"{targets} target ganti meter, {upload_demo_files()} upload TO/Peremajaan"
