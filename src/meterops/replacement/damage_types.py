"""Jenis Kerusakan: the list of damage conditions offered in Tambah Ex DG and the TO uploads.

The administrator keeps it; the roles that upload TOs read it, since the upload template tells
them to pick from this menu (issue #20). It is one list for the whole utility, not per unit."""

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from meterops.core.choices import RoleCode
from meterops.core.errors import InvalidInput
from meterops.core.models import User
from meterops.core.services import require_role

from .models import DamageType
from .uploads import TO_UPLOAD_ROLES

EDITOR_ROLES = (RoleCode.ADMIN,)
READER_ROLES = tuple(dict.fromkeys((*EDITOR_ROLES, *TO_UPLOAD_ROLES)))


@transaction.atomic
def create_damage_type(*, actor: User, name: str) -> DamageType:
    """Add a damage condition to the list offered in Tambah Ex DG (seed 000)."""
    require_role(actor, EDITOR_ROLES)
    name = " ".join(name.split())
    if DamageType.objects.filter(name__iexact=name).exists():
        raise InvalidInput("name", _("Jenis kerusakan '%(name)s' sudah ada.") % {"name": name})
    base = slugify(name)[:24] or "kerusakan"
    code, suffix = base, 1
    while DamageType.objects.filter(code=code).exists():
        suffix += 1
        code = f"{base}-{suffix}"
    damage_type = DamageType(code=code, name=name)
    damage_type._history_user = actor
    damage_type.save()
    return damage_type


@transaction.atomic
def set_damage_type_active(*, actor: User, damage_type: DamageType, active: bool) -> DamageType:
    """Retire a damage type (or bring it back); targets that used it keep it."""
    require_role(actor, EDITOR_ROLES)
    damage_type.is_active = active
    damage_type._history_user = actor
    damage_type.save(update_fields=["is_active"])
    return damage_type
