"""Notices to customers: campaigns and their notice orders (seed 004 §V), and the closed
houses met during reading where TUL II-04 is left (§II).
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops.core.errors import InvalidInput
from meterops.core.models import Unit, User
from meterops.core.scoping import scoped
from meterops.core.services import require_role, require_unit
from meterops.reading.models import Reading

from ..choices import NOTICE_NOTE_MAX, NoticeMaterial, NoticeOutcome, OrderKind
from ..models import Campaign, FieldOrder
from .orders import (
    ISSUERS,
    _check_recorder,
    _complete,
    _issue,
    _locked,
    _photo,
    _require_photo,
)

CLOSED_HOUSE_CODES = ("RK", "PT")  # LBKB codes of a closed house: TUL II-04 is left there


@transaction.atomic
def create_campaign(
    *, actor: User, unit: Unit, name: str, material: str, customers: QuerySet
) -> Campaign:
    """A campaign (what is delivered) and one notice order per listed customer."""
    require_role(actor, ISSUERS)
    require_unit(actor, unit)
    name = name.strip()
    if not name:
        raise InvalidInput("name", _("Isi nama kampanye."))
    if material not in NoticeMaterial.values:
        raise InvalidInput("material", _("Jenis informasi tidak dikenal."))
    customers = scoped(customers, actor).filter(unit__path__startswith=unit.path)
    if not customers.exists():
        raise InvalidInput("customers", _("Daftar pelanggan kampanye kosong."))
    campaign = Campaign.objects.create(unit=unit, name=name, material=material, created_by=actor)
    _issue(
        actor=actor,
        customers=customers,
        kind=OrderKind.NOTICE,
        verb="order_issued",
        note=name,
        campaign=campaign,
    )
    return campaign


def check_notice_note(*, outcome: str, note: str) -> str:
    """What the customer said, kept as written; "Dll" needs it to say what happened (seed 004
    §V: "Mencatat informasi yang disampaikan oleh pelanggan", keterangan "Dll")."""
    note = note.strip()
    if len(note) > NOTICE_NOTE_MAX:
        raise InvalidInput(
            "note", _("Catatan paling banyak %(n)d karakter.") % {"n": NOTICE_NOTE_MAX}
        )
    if outcome == NoticeOutcome.OTHER and not note:
        raise InvalidInput(
            "note", _("Keterangan Dll: tulis kondisi pelanggan atau informasi dari pelanggan.")
        )
    return note


@transaction.atomic
def record_notice(
    *,
    actor: User,
    order: FieldOrder,
    outcome: str,
    photo=None,
    signature=None,
    initials: str = "",
    note: str = "",
) -> FieldOrder:
    """One outcome code per customer, the photo, the signature or initials and what the customer
    said (seed 004 §V)."""
    order = _locked(order, actor, OrderKind.NOTICE)
    _check_recorder(actor, order)
    if outcome not in NoticeOutcome.values or outcome == NoticeOutcome.NOT_YET:
        raise InvalidInput("outcome", _("Pilih keterangan hasil penyampaian."))
    note = check_notice_note(outcome=outcome, note=note)
    _require_photo(photo)
    initials = initials.strip()
    if outcome == NoticeOutcome.IN_PERSON and signature is None and not initials:
        raise InvalidInput(
            "initials", _("Diterima langsung: isi paraf/nama penerima atau tanda tangan.")
        )
    order.outcome, order.initials, order.note = outcome, initials, note
    order.photo = _photo(photo, order.unit)
    if signature is not None:
        order.signature = _photo(signature, order.unit, "signature")
    label = NoticeOutcome(outcome).label
    _complete(
        order, actor, timezone.now(), "notice_recorded", f"{label}: {note}" if note else label
    )
    return order


def closed_house_readings(readings: QuerySet, period: str) -> QuerySet[Reading]:
    """Rumah tutup met during reading: where TUL II-04 is left (seed 004 §II)."""
    return (
        readings.filter(period=period, anomaly__code__in=CLOSED_HOUSE_CODES)
        .select_related("customer", "customer__route", "anomaly", "unit")
        .order_by("customer__route__code", "customer__route_sequence")
    )
