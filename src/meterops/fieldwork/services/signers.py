"""Who signs TUL VI-01 (seed 004 §VI: "ditandatangani Manajer Unit atau pejabat Yang
Ditunjuk"): a unit keeps its Manajer Unit and the officials he designated, by name."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from meterops.core.choices import RoleCode
from meterops.core.errors import InvalidInput, NotFound, WrongState
from meterops.core.models import Unit, User
from meterops.core.scoping import scoped
from meterops.core.services import require_role, require_unit

from ..choices import SignerRole
from ..models import NoticeSigner

SIGNER_KEEPERS = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN)


def signers_for(actor: User, units) -> list[NoticeSigner]:
    """The active signers within the actor's reach who may sign for some unit of ``units`` (of
    it or above); printing checks that the chosen one covers every customer printed."""
    units = list(units)
    rows = scoped(NoticeSigner, actor).filter(is_active=True).select_related("unit")
    return [s for s in rows if any(u.is_within(s.unit) for u in units)]


@transaction.atomic
def designate_signer(
    *,
    actor: User,
    unit: Unit,
    role: str,
    name: str,
    position: str,
    employee_number: str = "",
    designation_letter: str = "",
) -> NoticeSigner:
    """Record the Manajer Unit or a designated official as a TUL VI-01 signer of ``unit``; a
    designated official needs the number of the letter that designates him."""
    require_role(actor, SIGNER_KEEPERS)
    require_unit(actor, unit)
    name, position = name.strip(), position.strip()
    if role not in SignerRole.values:
        raise InvalidInput("role", _("Pilih Manajer Unit atau pejabat yang ditunjuk."))
    if not name:
        raise InvalidInput("name", _("Nama penanda tangan wajib diisi."))
    if not position:
        raise InvalidInput("position", _("Jabatan wajib diisi."))
    if role == SignerRole.DESIGNATED and not designation_letter.strip():
        raise InvalidInput(
            "designation_letter",
            _("Pejabat yang ditunjuk: isi nomor surat penunjukan dari Manajer Unit."),
        )
    try:
        with transaction.atomic():
            return NoticeSigner.objects.create(
                unit=unit,
                role=role,
                name=name,
                position=position,
                employee_number=employee_number.strip(),
                designation_letter=designation_letter.strip(),
                created_by=actor,
            )
    except IntegrityError:
        raise WrongState(
            _("%(unit)s sudah punya Manajer Unit yang aktif: nonaktifkan dulu yang lama.")
            % {"unit": unit}
        ) from None


@transaction.atomic
def retire_signer(*, actor: User, signer: NoticeSigner) -> NoticeSigner:
    """A signer who left the post signs no new notice; notices he signed keep his name."""
    require_role(actor, SIGNER_KEEPERS)
    signer = scoped(NoticeSigner, actor).select_for_update().filter(pk=signer.pk).first()
    if signer is None:
        raise NotFound(_("Penanda tangan tidak ditemukan di unit Anda."))
    signer.is_active = False
    signer.save(update_fields=["is_active", "updated_at"])
    return signer


def signature_block(signer: NoticeSigner) -> tuple[str, str]:
    """The title and name lines under a TUL VI-01: a designated official signs "a.n." (on
    behalf of) the Manajer Unit, with his designation letter."""
    unit = signer.unit.name
    if signer.role == SignerRole.MANAGER:
        title = _("Manajer %(unit)s") % {"unit": unit}
    else:
        title = _("a.n. Manajer %(unit)s, %(position)s (surat %(letter)s)") % {
            "unit": unit,
            "position": signer.position,
            "letter": signer.designation_letter,
        }
    name = signer.name
    if signer.employee_number:
        name = f"{name} — NIP {signer.employee_number}"
    return title, name
