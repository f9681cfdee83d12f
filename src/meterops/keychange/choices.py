from django.db import models
from django.utils.translation import gettext_lazy as _


class TargetState(models.TextChoices):
    GENERATED = "generated", _("KCT siap di Bank KCT")
    ASSIGNED = "assigned", _("Ditugaskan ke petugas")
    SUCCEEDED = "succeeded", _("Berhasil")
    FAILED = "failed", _("Gagal, menunggu KCT baru")
    CANCELLED = "cancelled", _("Gagal, ditutup")
    REPLACED = "replaced", _("Selesai (meter diganti)")
    DISMANTLED = "dismantled", _("Ditutup (meter dibongkar)")


# A target still to be worked on: a meter swapped for a new one settles it (issue #23).
OPEN_STATES = (TargetState.GENERATED, TargetState.ASSIGNED, TargetState.FAILED)


class FailureReason(models.TextChoices):
    """Why a KCT entry failed (seed 003, point 5)."""

    INVALID = "invalid", _("KCT ditolak meter (token invalid)")
    PARAMETERS_CHANGED = "parameters_changed", _("Parameter meter berubah sebelum entry KCT")
    METER_NOT_FOUND = "meter_not_found", _("Meter tidak ditemukan")
    CUSTOMER_REFUSED = "customer_refused", _("Pelanggan menolak")


# A failure for these reasons asks for a new KCT; the others close the target.
REGENERATE_REASONS = (FailureReason.INVALID, FailureReason.PARAMETERS_CHANGED)


class GenerationStatus(models.TextChoices):
    """The background job that fills a campaign's Bank KCT (Tasks API)."""

    QUEUED = "queued", _("Menunggu antrian")
    RUNNING = "running", _("Sedang dibuat")
    DONE = "done", _("Selesai")
    FAILED = "failed", _("Gagal")


class Proof(models.TextChoices):
    """What the officer's confirmation rests on."""

    DISPLAY = "display", _("Tampilan 04 enter (Lampiran I)")
    TEST_TOKEN = "test_token", _("Token uji 0 kWh dengan kunci baru")
    SERVICE_REQUEST = "pd", _("KCT dari permohonan PD prabayar")


class ZeroTokenAnswer(models.TextChoices):
    """What the meter answers to the zero-value test token made with the KRN-2 key."""

    ACCEPTED = "accepted", _("Diterima (sisa kWh tidak berubah)")
    USED = "used", _("Ditolak: token sudah pernah dipakai")
    INVALID = "invalid", _("Ditolak: token salah / invalid")


# The customer's timeline names this domain's events so (core.events).
EVENT_LABELS = {
    "opened": _("Target KRN-2 dibuat"),
    "assigned": _("Ditugaskan ke petugas"),
    "succeeded": _("KCT berhasil masuk"),
    "failed": _("KCT gagal"),
    "corrected": _("Konfirmasi dikoreksi"),
    "meter_parameters_corrected": _("Data meter dikoreksi"),
    "regenerated": _("KCT dibuat ulang"),
    "replaced": _("Selesai: meter diganti dengan meter KRN-2"),
    "meter_replaced": _("Meter diganti: menunggu KCT untuk meter baru"),
    "dismantled": _("Ditutup: meter dibongkar (bongkar rampung)"),
    "rekeyed": _("Berhasil: meter pindah ke kunci KRN-2 lewat permohonan PD"),
    "test_token_issued": _("Token uji 0 kWh diterbitkan"),
}
