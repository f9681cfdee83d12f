"""Refusals of the KRN-2 upgrade rules (seed 003), each with the Indonesian message users see."""

from django.utils.translation import gettext_lazy as _

from meterops.core.errors import DomainError


class KeyChangeError(DomainError):
    code = "keychange_error"


class VendingKeyMissing(KeyChangeError):
    code = "vending_key_missing"
    message = _("Kunci vending VKRN lama dan VKRN 43 belum disetel untuk unit ini.")


class NothingToTarget(KeyChangeError):
    code = "nothing_to_target"
    message = _("Tidak ada meter prabayar VKRN lama yang cocok dengan filter ini.")


class NotAllowed(KeyChangeError):
    code = "keychange_not_allowed"
    message = _("Anda tidak berhak melakukan tindakan ini pada kampanye KRN.")


class WrongState(KeyChangeError):
    code = "keychange_wrong_state"
    message = _("Status target KCT tidak mengizinkan tindakan ini.")


class ParametersChanged(KeyChangeError):
    code = "parameters_changed"
    message = _(
        "Parameter meter (SGC/TI/KRN) sudah berubah sejak KCT dibuat. "
        "Konfirmasi Gagal dengan alasan parameter berubah, lalu minta KCT baru."
    )


class DisplayUnknown(KeyChangeError):
    code = "display_unknown"


class DisplayMismatch(KeyChangeError):
    code = "display_mismatch"


class SameKct(KeyChangeError):
    code = "same_kct"
    message = _(
        "Parameter meter tidak berubah, sehingga KCT baru akan sama dengan KCT yang dibatalkan "
        "(KCT tidak boleh dipakai ulang). Perbarui dulu SGC/TI sesuai fisik meter."
    )
