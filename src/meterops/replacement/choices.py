from django.db import models
from django.utils.translation import gettext_lazy as _


class TargetSource(models.TextChoices):
    FAULT = "fault", _("Ex DG")
    PROGRAMME = "programme", _("Non Ex DG")


class TargetState(models.TextChoices):
    """The HOME workflow of one broken meter (seed 000), from report to replacement."""

    SUBMITTED = "submitted", _("Menunggu verifikasi")
    REVERIFY = "reverify", _("Verifikasi ulang TO")
    VERIFIED = "verified", _("Siap cetak PK")
    PRINTED = "printed", _("PK tercetak")
    ASSIGNED = "assigned", _("PK didistribusikan")
    REPLACED = "replaced", _("Sudah diganti")
    DROPPED = "dropped", _("Dihapus dari TO")


CLOSED_STATES = (TargetState.REPLACED, TargetState.DROPPED)
# A work order is open from printing until the replacement is recorded.
OPEN_WORK_ORDER = (TargetState.PRINTED, TargetState.ASSIGNED)


class PhotoStage(models.TextChoices):
    DAMAGE = "damage", _("Kondisi rusak")
    BEFORE = "before", _("Sebelum ganti")
    AFTER = "after", _("Sesudah ganti")


class WorkOrderStatus(models.TextChoices):
    """What Monitoring Cetak PK shows; derived from the target's state and the age of the PK."""

    PRINTED = "printed", _("Tercetak")
    ASSIGNED = "assigned", _("Didistribusikan")
    REPLACED = "replaced", _("Sudah diganti")
    OVERDUE = "overdue", _("Terlambat")


class BillingOutcome(models.TextChoices):
    """What one row of the billing H+1 export (Peremajaan Kumulatif) did (seed 000)."""

    METER_UPDATED = "meter_updated", _("Meter pelanggan diperbarui")
    COMPLETED = "completed", _("TO diselesaikan")
    CONFIRMED = "confirmed", _("Dikonfirmasi billing")
    CONFLICT = "conflict", _("Konflik dengan data lapangan")


# The customer's timeline names this domain's events so (core.events).
EVENT_LABELS = {
    "opened": _("Target ganti meter dibuka"),
    "verified": _("Diverifikasi"),
    "sent_to_reverification": _("Masuk Verifikasi Ulang TO"),
    "reverified": _("Diverifikasi ulang"),
    "dropped": _("Dihapus dari TO"),
    "work_order_printed": _("PK dicetak"),
    "work_order_reprinted": _("PK dicetak ulang"),
    "work_order_assigned": _("PK didistribusikan ke petugas"),
    "work_order_reassigned": _("PK dialihkan ke petugas lain"),
    "replaced": _("Meter diganti"),
    "ba_uploaded": _("BA verifikasi diunggah"),
    "finding_linked": _("Temuan lain dikaitkan ke target"),
    "updated_by_upload": _("Diperbarui dari upload TO"),
    "replaced_by_billing": _("Diganti menurut Peremajaan"),
    "billing_confirmed": _("Penggantian dikonfirmasi Peremajaan"),
    "billing_conflict": _("Konflik dengan Peremajaan"),
    "billing_conflict_resolved": _("Konflik Peremajaan diselesaikan"),
    "billing_meter": _("Meter baru menurut Peremajaan"),
}
