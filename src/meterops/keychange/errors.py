"""Refusals of the KRN-2 upgrade rules (seed 003), each a kind of core.errors with the
Indonesian message users see."""

from django.utils.translation import gettext_lazy as _

from meterops.core.errors import WrongState


class VendingKeyMissing(WrongState):
    code = "vending_key_missing"
    message = _("Kunci vending VKRN lama dan VKRN 43 belum disetel untuk unit ini.")


class NothingToTarget(WrongState):
    code = "nothing_to_target"
    message = _("Tidak ada meter prabayar VKRN lama yang cocok dengan filter ini.")


class TargetWrongState(WrongState):
    code = "keychange_wrong_state"
    message = _("Status target KCT tidak mengizinkan tindakan ini.")


class ParametersChanged(WrongState):
    code = "parameters_changed"
    message = _(
        "Parameter meter (SGC/TI/KRN) sudah berubah sejak KCT dibuat. "
        "Konfirmasi Gagal dengan alasan parameter berubah, lalu minta KCT baru."
    )


class DisplayUnknown(WrongState):
    code = "display_unknown"


class DisplayMismatch(WrongState):
    """The meter's screen after "04 enter" is not its brand's (Lampiran I): the key change
    did not take, whatever the officer typed."""

    code = "display_mismatch"


class SameKct(WrongState):
    code = "same_kct"
    message = _(
        "Parameter meter tidak berubah, sehingga KCT baru akan sama dengan KCT yang dibatalkan "
        "(KCT tidak boleh dipakai ulang). Perbarui dulu SGC/TI sesuai fisik meter."
    )


class ConfirmationStands(WrongState):
    """The meter's answer to the test token agrees with the officer's confirmation: there is
    nothing to correct."""

    code = "confirmation_stands"
