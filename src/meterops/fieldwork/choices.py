from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderKind(models.TextChoices):
    """Every kind of field order PLN gives the contractor (seed 004 §II–VI)."""

    ACCURACY_CHECK = "accuracy_check", _("Cek ulang akurasi stan")
    PREPAID_SAMPLING = "prepaid_sampling", _("Sampling prabayar")
    SURVEY = "survey", _("Survey RBM/gardu")
    NOTICE = "notice", _("Penyampaian informasi")
    DISCONNECTION = "disconnection", _("Pemutusan sementara")
    RECONNECTION = "reconnection", _("Penyambungan kembali")
    DISMANTLING = "dismantling", _("Bongkar rampung")
    P2TL_INSPECTION = "p2tl_inspection", _("Pemeriksaan P2TL")


class OrderState(models.TextChoices):
    """One state machine for every order kind: issued → assigned → done/failed → verified."""

    ISSUED = "issued", _("Diterbitkan")
    ASSIGNED = "assigned", _("Ditugaskan")
    DONE = "done", _("Selesai")
    FAILED = "failed", _("Gagal")
    VERIFIED = "verified", _("Diverifikasi")


OPEN_STATES = (OrderState.ISSUED, OrderState.ASSIGNED)


class InspectionFinding(models.TextChoices):
    """What a P2TL inspection found (issue #23). The seeds name no violation classes (P1–P4),
    so the officer records whether a violation was found and describes it in the note."""

    NONE = "none", _("Tidak ditemukan pelanggaran")
    VIOLATION = "violation", _("Ditemukan pelanggaran")


class NoticeMaterial(models.TextChoices):
    BROCHURE = "brochure", _("Brosur / leaflet")
    NOTICE = "notice", _("Pemberitahuan")
    ANNOUNCEMENT = "announcement", _("Pengumuman")


class NoticeOutcome(models.TextChoices):
    """The outcome codes of a notice delivery (seed 004 §V, "kolom keterangan")."""

    IN_PERSON = "in_person", _("Tersampaikan langsung")
    AT_FENCE = "at_fence", _("Rumah tutup, tersampaikan di pagar")
    UNDER_DOOR = "under_door", _("Rumah tutup, tersampaikan di bawah pintu")
    NEIGHBOUR = "neighbour", _("Rumah tutup, titip tetangga")
    CLOSED_NOT_DELIVERED = "closed_not_delivered", _("Rumah tutup, tidak tersampaikan")
    ADDRESS_NOT_FOUND = "address_not_found", _("Alamat tidak ketemu")
    METER_DISCONNECTED = "meter_disconnected", _("kWh meter kondisi diputus")
    METER_DISMANTLED = "meter_dismantled", _("kWh meter kondisi dibongkar")
    NOT_YET = "not_yet", _("Belum disampaikan")
    OTHER = "other", _("Dll")


NOTICE_NOTE_MAX = 500  # what the customer said / what "Dll" was: a line or two, not a report


DELIVERED_OUTCOMES = (
    NoticeOutcome.IN_PERSON,
    NoticeOutcome.AT_FENCE,
    NoticeOutcome.UNDER_DOOR,
    NoticeOutcome.NEIGHBOUR,
)


class ProposalState(models.TextChoices):
    PROPOSED = "proposed", _("Diusulkan")
    VERIFIED = "verified", _("Diverifikasi")
    APPLIED = "applied", _("Diterapkan")
    REJECTED = "rejected", _("Ditolak")


class SignerRole(models.TextChoices):
    """Who may sign TUL VI-01 (seed 004 §VI: "Manajer Unit atau pejabat Yang Ditunjuk")."""

    MANAGER = "manager", _("Manajer Unit")
    DESIGNATED = "designated", _("Pejabat yang ditunjuk")


class DisconnectionMethod(models.TextChoices):
    """How a meter was cut (seed 004 §VI): the MCB off and sealed; cutting at the service line
    after opening the OA kas seal is recorded only to be refused."""

    MCB_SEALED = "mcb_sealed", _("Sakelar MCB di-Off-kan dan disegel")
    SR_CUT = "sr_cut", _("Membuka segel OA kas dan memutus lewat SR")


class ReportTimeliness(models.TextChoices):
    ON_TIME = "on_time", _("Tepat waktu (H+1)")
    LATE = "late", _("Terlambat dari H+1")


# The customer's timeline names this domain's events so (core.events).
EVENT_LABELS = {
    "opened": _("Order lapangan dibuat"),
    "order_issued": _("Order diterbitkan"),
    "order_assigned": _("Order ditugaskan ke petugas"),
    "order_failed": _("Order gagal"),
    "order_verified": _("Hasil order diverifikasi"),
    "anomaly_to_target": _("Anomali dijadikan target HOME"),
    "accuracy_checked": _("Akurasi baca diperiksa"),
    "notice_recorded": _("Pemberitahuan disampaikan"),
    "prepaid_sampled": _("Sampling prabayar dicatat"),
    "surveyed": _("Survei RBM/gardu dicatat"),
    "move_verified": _("Usulan pindah RBM/gardu diverifikasi"),
    "move_rejected": _("Usulan pindah RBM/gardu ditolak"),
    "move_applied": _("Pindah RBM/gardu diterapkan"),
    "tul_vi01_printed": _("TUL VI-01 dicetak"),
    "disconnected": _("Meter diputus"),
    "reconnected": _("Disambung kembali"),
    "dismantled": _("Bongkar rampung"),
    "paid": _("Tunggakan dilunasi"),
    "p2tl_inspected": _("Pemeriksaan P2TL dicatat"),
}
