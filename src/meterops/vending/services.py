"""Writes of the vending-key store: a unit's key of one VKRN, sealed, never shown again."""

from django.db import transaction
from django.utils.translation import gettext as _

from meterops import sts
from meterops.core.choices import RoleCode
from meterops.core.errors import InvalidInput
from meterops.core.models import Unit, User

from . import crypto
from .choices import VkrnCode, key_revision_of
from .errors import VendingKeyInvalid, VendingKeyNotAllowed
from .models import VendingKey

KEY_ADMIN_ROLES = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN)
# The columns of the files that carry a meter's key (AP2T's names: DIL, stock): what
# ``vending_key_of``'s refusal names, as a file names it.
VENDING_KEY_COLUMNS = {"vkrn": "VKRN", "key_revision": "KRN"}


def key_material_from_hex(key_hex: str, *, algorithm: str) -> bytes:
    """The key bytes of ``key_hex``: 8 bytes for DKGA02, 20 for DKGA04 (IEC 62055-41)."""
    length = 8 if algorithm == sts.KeyGenerationAlgorithm.DKGA02.value else 20
    try:
        material = bytes.fromhex(key_hex.replace(" ", ""))
    except ValueError:
        raise VendingKeyInvalid(_("Kunci vending harus heksadesimal.")) from None
    if len(material) != length:
        raise VendingKeyInvalid(
            _("Kunci vending DKGA%(a)s harus %(n)s byte.") % {"a": algorithm, "n": length}
        )
    return material


@transaction.atomic
def store_vending_key(
    *,
    actor: User | None,
    unit: Unit,
    vkrn: int,
    key_revision: int,
    algorithm: str,
    encryption: str,
    base_date: int,
    key_hex: str,
    is_test_key: bool = False,
    label: str = "",
) -> VendingKey:
    """Keep a unit's vending key of one VKRN; the material is never shown again."""
    if actor is not None and not actor.has_role(*KEY_ADMIN_ROLES):
        raise VendingKeyNotAllowed()
    vending_key_of(vkrn=vkrn, key_revision=key_revision)
    material = key_material_from_hex(key_hex, algorithm=algorithm)
    key, _created = VendingKey.objects.update_or_create(
        unit=unit,
        vkrn=vkrn,
        defaults={
            "key_revision": key_revision,
            "algorithm": algorithm,
            "encryption": encryption,
            "base_date": base_date,
            "key_material": crypto.seal(material),
            "is_test_key": is_test_key,
            "label": label,
        },
    )
    return key


def vending_key_of(*, vkrn: int | None, key_revision: int | None) -> tuple[int | None, int | None]:
    """A meter's VKRN and the KRN it implies, from what a file gives (seed 003: "KRN = 1 STS /
    VKRN = 41 dan KRN = 2 / VKRN = 42", "KRN = 2 STS / VKRN = 43"). A KRN given must fit the
    VKRN; KRN 1 alone names VKRN 41, a higher KRN alone could be 42 or 43 and is refused.
    Raises InvalidInput naming "vkrn" or "key_revision"; (None, None) when both are blank."""
    if vkrn is not None and vkrn not in VkrnCode.values:
        raise InvalidInput("vkrn", _("harus 41, 42 atau 43, bukan %(v)s.") % {"v": vkrn})
    if vkrn is None:
        if key_revision is None:
            return None, None
        if key_revision != 1:
            raise InvalidInput(
                "vkrn", _("wajib diisi: KRN %(k)s bisa VKRN 42 atau 43.") % {"k": key_revision}
            )
        vkrn = VkrnCode.OLD_41
    if key_revision not in (None, key_revision_of(vkrn)):
        raise InvalidInput(
            "key_revision",
            _("VKRN %(v)s memakai KRN %(k)s, bukan %(given)s.")
            % {"v": vkrn, "k": key_revision_of(vkrn), "given": key_revision},
        )
    return int(vkrn), key_revision_of(vkrn)
