from django.db import models
from django.utils.translation import gettext_lazy as _


class ReadingState(models.TextChoices):
    """A reading's way from the contractor to billing (seed 001, "Pengesahan Stan Meter")."""

    READ = "read", _("Terbaca")
    REREAD_REQUESTED = "reread_requested", _("Baca ulang")
    VENDOR_VERIFIED = "vendor_verified", _("Diverifikasi vendor")
    VERIFIED = "verified", _("Diverifikasi pengawas")
    SENT = "sent", _("Belum disahkan")
    APPROVED = "approved", _("Sudah disahkan")


class ApprovalScope(models.TextChoices):
    """What one Sah/Setuju covers, as the unit agreed it (seed 001: "pola pengesahannya")."""

    READING_DAY = "reading_day", _("Per kode kelompok hari baca")
    ROUTE = "route", _("Per RBM")


VERIFIED_STATES = (ReadingState.VERIFIED, ReadingState.SENT, ReadingState.APPROVED)
SENT_STATES = (ReadingState.SENT, ReadingState.APPROVED)
# Jam nyala above this can not be approved by ADMIN_CMT (seed 001, rule 4).
MAX_HOURS_ON = 2000


class ReadingFlag(models.TextChoices):
    """Validation flags a verifier filters on; each is a boolean column of Reading."""

    NEGATIVE = "flag_negative", _("Pemakaian negatif")
    ZERO = "flag_zero", _("Pemakaian nol")
    DISCONNECTED = "flag_disconnected", _("Pemakaian nol: pelanggan diputus (tunggakan)")
    ABOVE_AVERAGE = "flag_above_average", _("Di atas N× rata-rata 3 bulan")
    HOURS_ON = "flag_hours_on", _("Jam nyala > 2000")
    OUTSIDE_WINDOW = "flag_outside_window", _("Di luar jadwal hari baca")
    NO_PHOTO = "flag_no_photo", _("Tanpa foto")
    SWAP_MISMATCH = "flag_swap_mismatch", _("Stan ganti meter berbeda")


# The customer's timeline names this domain's events so (core.events).
EVENT_LABELS = {
    "read": _("Stan dibaca"),
    "estimated": _("Stan ditaksir"),
    "reread_requested": _("Diminta baca ulang"),
    "vendor_verified": _("Diverifikasi vendor"),
    "verified": _("Diverifikasi"),
    "sent": _("Dikirim ke AP2T"),
    "approved": _("Disahkan"),
    "approval_cancelled": _("Pengesahan dibatalkan"),
    "route_changed": _("RBM diubah"),
}
