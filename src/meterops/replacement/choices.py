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
