from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    NEW_CONNECTION = "new_connection", _("Pasang Baru (PB)")
    TARIFF_CHANGE = "tariff_change", _("Perubahan Tarif/Daya (PD)")
    RECONNECTION = "reconnection", _("Pasang Kembali (Paskem)")
    MIGRATION = "migration", _("Migrasi Pascabayar ke Prabayar")
    TEMPORARY_CONNECTION = "temporary_connection", _("Penyambungan Sementara (PS)")


# Kinds whose applicant is not a customer yet (seed 002, 1.5: "Permohonan PB/PD/PS/Migrasi"):
# the IDPEL and customer row are made at entry, the name and address confirmed at PDL.
NEW_CUSTOMER_KINDS = (RequestKind.NEW_CONNECTION, RequestKind.TEMPORARY_CONNECTION)


class Product(models.TextChoices):
    PREPAID_KEYPAD = "prepaid_keypad", _("Prabayar satu arah (keypad)")
    PREPAID_NFC = "prepaid_nfc", _("Prabayar dua arah NFC")


class RequestState(models.TextChoices):
    REGISTERED = "registered", _("Menunggu pelunasan")
    PAID = "paid", _("Lunas, menunggu aktivasi meter")
    ACTIVATED = "activated", _("Meter diaktivasi, menunggu token")
    TOKENS_ISSUED = "tokens_issued", _("Token terbit, menunggu PK")
    ASSIGNED = "assigned", _("PK diterbitkan, menunggu pemasangan")
    INSTALLED = "installed", _("Terpasang, menunggu PDL")
    COMPLETED = "completed", _("Selesai (PDL)")
    CANCELLED = "cancelled", _("Dibatalkan")


# Closed applications: they hold no meter and no open process.
CLOSED_STATES = (RequestState.COMPLETED, RequestState.CANCELLED)
# An application may be cancelled until it is installed in the field; then only PDL remains.
CANCELLABLE_STATES = (
    RequestState.REGISTERED,
    RequestState.PAID,
    RequestState.ACTIVATED,
    RequestState.TOKENS_ISSUED,
    RequestState.ASSIGNED,
)


class TokenKind(models.TextChoices):
    KEY_CHANGE = "key_change", _("Key Change Token (KCT)")
    CREDIT = "credit", _("Stroom awal")


class TokenStatus(models.TextChoices):
    ISSUED = "issued", _("Terbit")
    ENTERED = "entered", _("Sudah dimasukkan ke meter")
    VOIDED = "voided", _("Batal (permohonan dibatalkan)")


MANUAL_CHANNEL = "LOKET"
# The unit's NFC counter (seed 002, 1.4): the web page Loket NFC and the card reader app alike;
# its receipt numbers are the references of its sales.
NFC_COUNTER_CHANNEL = "LOKET-NFC"


# The customer's timeline names this domain's events so (core.events).
EVENT_LABELS = {
    "opened": _("Permohonan dibuat"),
    "paid": _("Dilunasi"),
    "tokens_issued": _("Token terbit"),
    "activated": _("Meter diaktivasi"),
    "work_order_assigned": _("PK ditugaskan ke petugas"),
    "installed": _("Meter dipasang"),
    "completed": _("Selesai"),
    "cancelled": _("Dibatalkan"),
    "token_sold": _("Token dijual"),
    "nfc_transaction": _("Transaksi Loket NFC"),
}
