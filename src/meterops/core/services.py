"""Writes of the core domain: customer processes and their events, users, unit settings."""

from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import Domain, RoleCode
from .errors import InvalidInput, NotAllowed, OpenProcessExists, OutsideUnit, RoleNotGrantable
from .models import Contractor, Process, ProcessEvent, Role, Unit, UnitSettings, User
from .scoping import visible_unit_ids

# --- Field officers -----------------------------------------------------------------------


def field_officers_for(unit: Unit, *, actor: User) -> QuerySet[User]:
    """Active field officers who may take work in ``unit``: PLN's of the unit, above or below
    it, and those of active contractors (Mitra PLN) working for it or above (seeds 000, 004).

    A contractor's user hands work to its own contractor's officers only.
    """
    ancestors = unit.ancestor_codes()
    officers = User.objects.filter(is_active=True, roles__code=RoleCode.FIELD_OFFICER).filter(
        Q(unit__code__in=ancestors)
        | Q(unit__path__startswith=f"{unit.path}/")
        | Q(contractor__is_active=True, contractor__units__code__in=ancestors)
    )
    if actor.contractor_id:
        officers = officers.filter(contractor_id=actor.contractor_id)
    return officers.distinct().order_by("username")


def ensure_field_officer_for(unit: Unit, officer: User, *, actor: User) -> None:
    """Refuse work in ``unit`` for an officer ``field_officers_for`` does not offer ``actor``."""
    if not field_officers_for(unit, actor=actor).filter(pk=officer.pk).exists():
        raise InvalidInput(
            "officer",
            _("%(officer)s bukan petugas lapangan yang boleh menerima pekerjaan %(unit)s.")
            % {"officer": officer.get_username(), "unit": unit.name},
        )


# --- Customer processes -------------------------------------------------------------------


def ensure_no_open_process(*, customer, domain: str | None = None) -> None:
    """Refuse a new process while one is unfinished (seed 000, "Cek Status Terakhir").

    With ``domain`` only that domain's processes count; without it, any domain's.
    """
    open_processes = Process.objects.filter(customer=customer, is_open=True)
    if domain is not None:
        open_processes = open_processes.filter(domain=domain)
    process = open_processes.order_by("opened_at").first()
    if process is not None:
        raise OpenProcessExists(
            _(
                "Pelanggan %(idpel)s masih memiliki proses %(domain)s yang belum tuntas: "
                "%(kind)s %(ref)s (status: %(state)s). Selesaikan proses tersebut terlebih dahulu."
            )
            % {
                "idpel": customer.customer_id,
                "domain": Domain(process.domain).label,
                "kind": process.kind,
                "ref": process.reference,
                "state": process.state_label or process.state,
            },
            process_id=process.pk,
        )


@transaction.atomic
def open_process(
    *,
    customer,
    domain: str,
    kind: str,
    reference: str,
    state: str,
    state_label: str = "",
    actor: User | None,
    note: str = "",
    attachment=None,
) -> Process:
    """Start a customer process after checking no other one of its domain is open."""
    # Lock the customer row so two clerks cannot open two processes at the same moment.
    type(customer).objects.select_for_update().filter(pk=customer.pk).first()
    ensure_no_open_process(customer=customer, domain=domain)
    try:
        with transaction.atomic():
            process = Process.objects.create(
                customer=customer,
                unit_id=customer.unit_id,
                domain=domain,
                kind=kind,
                reference=reference,
                state=state,
                state_label=state_label,
            )
    except IntegrityError:
        ensure_no_open_process(customer=customer, domain=domain)
        raise
    record_event(
        process=process,
        verb=f"{domain}.opened",
        to_state=state,
        actor=actor,
        note=note or f"{kind} {reference}".strip(),
        attachment=attachment,
    )
    return process


@transaction.atomic
def advance_process(
    *,
    process: Process,
    to_state: str,
    state_label: str = "",
    verb: str,
    actor: User | None,
    note: str = "",
    attachment=None,
    closes: bool = False,
) -> ProcessEvent:
    """Move a process to a new state, closing it when the domain says it is finished."""
    process = Process.objects.select_for_update().get(pk=process.pk)
    from_state = process.state
    process.state, process.state_label = to_state, state_label
    if closes:
        process.is_open, process.closed_at = False, timezone.now()
    process.save(update_fields=["state", "state_label", "is_open", "closed_at", "updated_at"])
    return record_event(
        process=process,
        verb=verb,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        note=note,
        attachment=attachment,
    )


def record_event(
    *,
    verb: str,
    actor: User | None,
    process: Process | None = None,
    customer=None,
    domain: str | None = None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    attachment=None,
) -> ProcessEvent:
    """Write one audit event; a process supplies the customer, unit and domain itself."""
    if process is not None:
        customer, domain = process.customer, process.domain
    if customer is None or domain is None:
        raise ValueError("record_event needs a process, or a customer and a domain")
    event = ProcessEvent(
        process=process,
        customer=customer,
        unit_id=customer.unit_id,
        domain=domain,
        verb=verb,
        from_state=from_state,
        to_state=to_state,
        state_label=process.state_label if process is not None else "",
        actor=actor,
        note=note,
    )
    if attachment is not None:
        event.attachment = attachment
    event.save()
    return event


# --- Roles and units ------------------------------------------------------------------------


def require_role(actor: User, roles) -> None:
    """Roles gate actions (DESIGN "Who sees what"): without one of ``roles``, 403."""
    if not actor.has_role(*roles):
        raise NotAllowed(_("Peran Anda tidak berhak melakukan tindakan ini."))


def require_unit(actor: User, unit: Unit) -> None:
    """A unit outside the actor's reach does not exist for them (DESIGN "Who sees what"): 404."""
    allowed = visible_unit_ids(actor)
    if allowed is not None and unit.pk not in allowed:
        raise OutsideUnit(_("Unit ini di luar wilayah Anda."))


# --- Users ---------------------------------------------------------------------------------

USER_MANAGER_ROLES = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN)


def can_manage_users(actor: User) -> bool:
    return actor.has_role(*USER_MANAGER_ROLES)


def grantable_roles(actor: User) -> frozenset[str]:
    """An admin grants every role; a unit admin only the roles it holds itself."""
    if actor.has_role(RoleCode.ADMIN):
        return frozenset(RoleCode.values)
    if actor.has_role(RoleCode.UNIT_ADMIN):
        return actor.role_codes
    return frozenset()


def _check_placement(actor: User, unit: Unit | None, contractor: Contractor | None) -> None:
    if (unit is None) == (contractor is None):
        raise InvalidInput("unit", _("Pengguna harus milik tepat satu unit atau satu vendor."))
    if unit is not None:
        require_unit(actor, unit)
    allowed = visible_unit_ids(actor)
    if allowed is None:
        return
    if contractor is not None and not contractor.units.filter(pk__in=allowed).exists():
        raise OutsideUnit(_("Vendor ini tidak bekerja untuk unit Anda."))


def _merged_roles(actor: User, user: User | None, requested: set[str]) -> set[str]:
    """Requested roles within the actor's reach, keeping roles the actor cannot touch."""
    allowed = grantable_roles(actor)
    refused = requested - allowed
    if refused:
        labels = ", ".join(str(RoleCode(code).label) for code in sorted(refused))
        raise RoleNotGrantable(
            _("Anda tidak dapat memberikan peran yang tidak Anda miliki: %(roles)s.")
            % {"roles": labels}
        )
    untouchable = (user.role_codes - allowed) if user is not None else set()
    return set(requested) | set(untouchable)


def _set_roles(user: User, codes: set[str]) -> None:
    user.roles.set(Role.objects.filter(code__in=codes))
    user.__dict__.pop("_role_codes", None)


@transaction.atomic
def create_user(
    *,
    actor: User,
    username: str,
    password: str,
    roles: set[str],
    unit: Unit | None = None,
    contractor: Contractor | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
) -> User:
    """Create a user of the actor's unit (or of a contractor working for it)."""
    require_role(actor, USER_MANAGER_ROLES)
    _check_placement(actor, unit, contractor)
    codes = _merged_roles(actor, None, set(roles))
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput("username", _("Username %(u)s sudah dipakai.") % {"u": username})
    user = User(
        username=username,
        unit=unit,
        contractor=contractor,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
    )
    validate_password(password, user)
    user.set_password(password)
    user._history_user = actor
    user.full_clean(exclude=["password"])
    user.save()
    _set_roles(user, codes)
    return user


@transaction.atomic
def update_user(
    *,
    actor: User,
    user: User,
    roles: set[str],
    unit: Unit | None = None,
    contractor: Contractor | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
) -> User:
    """Change a user's details, placement and roles within the actor's reach."""
    require_role(actor, USER_MANAGER_ROLES)
    _check_placement(actor, unit, contractor)
    codes = _merged_roles(actor, user, set(roles))
    user = User.objects.select_for_update().get(pk=user.pk)
    user.unit, user.contractor = unit, contractor
    user.first_name, user.last_name, user.email, user.phone = first_name, last_name, email, phone
    user._history_user = actor
    user.full_clean(exclude=["password"])
    user.save()
    _set_roles(user, codes)
    return user


@transaction.atomic
def set_user_active(*, actor: User, user: User, active: bool) -> User:
    """Deactivate (or reactivate) a user; accounts are never deleted, their history stays."""
    require_role(actor, USER_MANAGER_ROLES)
    if user.pk == actor.pk and not active:
        raise NotAllowed(_("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    user = User.objects.select_for_update().get(pk=user.pk)
    user.is_active = active
    user._history_user = actor
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def reset_user_password(*, actor: User, user: User, password: str) -> User:
    """Set a new password chosen by the admin; the user should change it after logging in."""
    require_role(actor, USER_MANAGER_ROLES)
    validate_password(password, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user._history_user = actor
    user.save(update_fields=["password"])
    return user


# --- Unit settings -------------------------------------------------------------------------


@transaction.atomic
def update_unit_settings(*, actor: User, unit: Unit, values: dict) -> UnitSettings:
    """Save a unit's parameters; the history table keeps who changed what and when."""
    require_role(actor, USER_MANAGER_ROLES)
    require_unit(actor, unit)
    current = unit.settings_or_default()
    unit_settings, _created = UnitSettings.objects.select_for_update().get_or_create(
        unit=unit,
        defaults={field: getattr(current, field) for field in editable_setting_fields()},
    )
    for field, value in values.items():
        setattr(unit_settings, field, value)
    unit_settings._history_user = actor
    unit_settings.full_clean()
    unit_settings.save()
    return unit_settings


def editable_setting_fields() -> list[str]:
    return [
        f.name
        for f in UnitSettings._meta.concrete_fields
        if f.editable and f.name not in {"id", "unit", "created_at", "updated_at"}
    ]
