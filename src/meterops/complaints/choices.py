from django.db import models
from django.utils.translation import gettext_lazy as _


class PowerState(models.TextChoices):
    """What the customer says about the power at home (seed 003, 7.c.3)."""

    OFF = "off", _("Padam")
    ON = "on", _("Menyala, sisa kWh diketahui")
    ALMOST_OFF = "almost_off", _('Menyala, namun "Hampir Padam"')
    ON_UNKNOWN = "on_unknown", _("Menyala, pelanggan tidak mengetahui sisa kWh")


class TicketKind(models.TextChoices):
    OUTAGE = "outage", _("APKT Gangguan")
    COMPLAINT = "complaint", _("APKT Keluhan")


class TicketState(models.TextChoices):
    OPEN = "open", _("Baru")
    ASSIGNED = "assigned", _("Ditugaskan")
    RESOLVED = "resolved", _("Selesai ditangani")
    CLOSED = "closed", _("Ditutup")


class TicketCause(models.TextChoices):
    KCT_FAILED = "kct_failed", _("Entry KCT gagal (meter belum KRN-2)")
    OLD_KEY_TOKEN = "old_key_token", _("Token dibeli dengan kunci lama (VKRN 41/42)")
    # Set only with the ticket's HOME target (services.ticket_to_replacement_target).
    BROKEN_METER = "broken_meter", _("Meter rusak (dibuat target HOME)")
    OTHER = "other", _("Lainnya")


class TokenFinding(models.TextChoices):
    """What decoding the customer's token under the meter's keys shows."""

    NEW_KEY = "new_key", _("Token dibuat dengan kunci baru (VKRN 43)")
    OLD_KEY = "old_key", _("Token dibuat dengan kunci lama (VKRN 41/42)")
    NO_KEY = "no_key", _("Token tidak cocok dengan meter ini (salah ketik atau meter lain)")
    NOT_CHECKED = "not_checked", _("Nomor token tidak dicek")


# The customer's timeline names this domain's events so (core.events).
EVENT_LABELS = {
    "opened": _("Tiket APKT dibuka"),
    "assigned": _("Tiket ditugaskan ke ULP"),
    "call_added": _("Panggilan ulang ditambahkan"),
    "probing_call": _("Panggilan probing"),
    "replacement_token": _("Token pengganti diterbitkan"),
    "resolved": _("Tiket diselesaikan"),
    "replacement_target": _("Meter rusak: dibuat target HOME"),
    "closed": _("Tiket ditutup"),
}
