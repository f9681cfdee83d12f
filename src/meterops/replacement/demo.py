"""Demo HOME data: broken meters at every step of the workflow, made through the services."""

import io
import random
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from meterops.core.models import User
from meterops.customers.models import Customer

from .models import DamageType
from .services import (
    DamageReport,
    NewMeter,
    assign_work_orders,
    print_work_orders,
    record_replacement,
    report_damage,
    send_target_to_reverification,
    verify_target,
)

# How far each demo target goes: (share, last step).
STEPS = (
    (4, "submitted"),
    (2, "reverify"),
    (3, "verified"),
    (3, "printed"),
    (3, "assigned"),
    (5, "replaced"),
)


def _photo(rng: random.Random, label: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (640, 480), (rng.randint(40, 200), 90, 60))
    ImageDraw.Draw(image).text((20, 20), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return SimpleUploadedFile(f"{label}.jpg", buffer.getvalue(), content_type="image/jpeg")


def generate_targets(*, count: int, seed: int) -> int:
    """Put ``count`` customers of ULP BALEENDAH on the target list and walk them along."""
    rng = random.Random(seed)
    supervisor = User.objects.get(username="pengawas.baleendah")
    officer = User.objects.get(username="petugas.cater")
    customers = list(
        Customer.objects.filter(unit=supervisor.unit, processes__isnull=True).order_by(
            "customer_id"
        )[: count * 3]
    )
    damage_types = list(DamageType.objects.filter(is_active=True))
    plan = [step for share, step in STEPS for _ in range(share)]
    made = 0
    for customer in rng.sample(customers, min(count, len(customers))):
        step = plan[made % len(plan)]
        target = report_damage(
            actor=supervisor,
            customer=customer,
            report=DamageReport(
                damage_type=rng.choice(damage_types),
                reading_at_discovery=Decimal(rng.randint(200, 9000)),
                notes="Data demo",
                from_reading_anomaly=rng.random() < 0.2,
            ),
            photos=[_photo(rng, customer.customer_id)],
        )
        _walk(target, step, supervisor, officer, rng)
        made += 1
    return made


def _walk(target, step, supervisor, officer, rng) -> None:
    if step == "submitted":
        return
    if step == "reverify":
        send_target_to_reverification(
            target=target, actor=supervisor, reason="Foto kurang jelas, cek ulang di lapangan"
        )
        return
    target = verify_target(target=target, actor=supervisor)
    if step == "verified":
        return
    (work_order,) = print_work_orders(targets=[target], actor=supervisor)
    if step == "printed":
        return
    assign_work_orders(work_orders=[work_order], officer=officer, actor=supervisor)
    if step == "assigned":
        return
    record_replacement(
        target=target,
        actor=supervisor,
        officer=officer,
        new_meter=NewMeter(
            brand="ITRON",
            model="ACE 9000",
            meter_number=f"77{target.pk:09d}",
            initial_reading=Decimal("0.0"),
            seal_numbers="SG-01",
        ),
        old_final_reading=target.reading_at_discovery + rng.randint(1, 40),
        replaced_on=timezone.localdate(),
        photos=[_photo(rng, "sebelum"), _photo(rng, "sesudah")],
    )


def build_demo(*, units, seed: int, options: dict) -> str:
    """seed_demo's HOME targets: ``options["targets"]`` of them, walked through the steps."""
    return f"{generate_targets(count=options['targets'], seed=seed)} target ganti meter"
