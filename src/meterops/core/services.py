"""Writes of the core domain: customer processes and their events, users, unit settings."""

from collections.abc import Iterable

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import Domain, RoleCode
from .errors import (
    InvalidInput,
    LockedOut,
    NotAllowed,
    OpenProcessExists,
    OutsideUnit,
    RoleNotGrantable,
)
from .lockout import lockout_message
from .models import Contractor, Process, ProcessEvent, Role, Unit, UnitSettings, User
from .scoping import scoped, visible_unit_ids

# --- Field officers -----------------------------------------------------------------------


def field_officers_for(unit: Unit, *, actor: User) -> QuerySet[User]:
    """Active field officers who may take work in ``unit``: PLN's of the unit, above or below
    it, and those of active contractors (Mitra PLN) working for it or above (seeds 000, 004)
    who are placed in it or above (issue #17).

    A contractor's user hands work to its own contractor's officers only.
    """
    ancestors = unit.ancestor_codes()
    contractors = Contractor.objects.filter(is_active=True, units__code__in=ancestors)
    officers = User.objects.filter(is_active=True, roles__code=RoleCode.FIELD_OFFICER).filter(
        Q(unit__code__in=ancestors)
        | Q(unit__path__startswith=f"{unit.path}/")
        | Q(contractor__in=contractors, placed_units__code__in=ancestors)
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
    reopens: bool = False,
) -> ProcessEvent:
    """Move a process to a new state, closing it when the domain says it is finished, or
    reopening a finished one the domain found unfinished after all (a confirmation corrected),
    which the rule "one open process per customer and domain" must still allow."""
    process = Process.objects.select_for_update().get(pk=process.pk)
    from_state = process.state
    process.state, process.state_label = to_state, state_label
    if closes:
        process.is_open, process.closed_at = False, timezone.now()
    elif reopens and not process.is_open:
        type(process.customer).objects.select_for_update().filter(pk=process.customer_id).first()
        ensure_no_open_process(customer=process.customer, domain=process.domain)
        process.is_open, process.closed_at = True, None
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
# A contractor admin manages its own staff's phones (their device tokens), not their accounts.
CONTRACTOR_STAFF_ROLES = frozenset({RoleCode.CONTRACTOR_ADMIN, RoleCode.FIELD_OFFICER})


def grantable_roles(actor: User) -> frozenset[str]:
    """An admin grants every role; a unit admin only the roles it holds itself; a contractor
    admin stands for its own staff's roles (contractor admin, field officer)."""
    if actor.has_role(RoleCode.ADMIN):
        return frozenset(RoleCode.values)
    if actor.has_role(RoleCode.UNIT_ADMIN):
        return actor.role_codes
    if actor.has_role(RoleCode.CONTRACTOR_ADMIN) and actor.contractor_id:
        return CONTRACTOR_STAFF_ROLES
    return frozenset()


def manageable_users(actor: User) -> QuerySet[User]:
    """The users ``actor`` may manage (create, edit, reset, deactivate, revoke devices of):
    it may grant every role they hold and their whole reach lies inside its own (issue #17).

    A PLN user's reach is its unit and below; a contractor user's, the units it is placed in.
    A contractor's user manages only its own contractor's staff; only a superuser manages a
    superuser.
    """
    if not actor.is_active:
        return User.objects.none()
    if actor.is_superuser:
        return User.objects.all()
    grantable = grantable_roles(actor)
    if not grantable:
        return User.objects.none()
    reach = visible_unit_ids(actor)
    placements = User.placed_units.through.objects.filter(user=OuterRef("pk"))
    in_reach = Q(unit__in=reach) | Q(
        Exists(placements), ~Exists(placements.exclude(unit__in=reach)), unit__isnull=True
    )
    ungrantable = User.roles.through.objects.filter(user=OuterRef("pk")).exclude(role__in=grantable)
    users = User.objects.filter(in_reach, is_superuser=False).exclude(Exists(ungrantable))
    if actor.contractor_id:
        users = users.filter(contractor_id=actor.contractor_id)
    return users


def ensure_can_manage(actor: User, user: User) -> None:
    """Refuse an action on a user ``manageable_users`` does not hold (issue #17): 404 when the
    actor does not even see the user, 403 when it does."""
    if manageable_users(actor).filter(pk=user.pk).exists():
        return
    if scoped(User, actor).filter(pk=user.pk).exists():
        raise NotAllowed(
            _(
                "Anda tidak dapat mengelola pengguna %(u)s: perannya atau wilayahnya melebihi "
                "wewenang Anda."
            )
            % {"u": user.get_username()}
        )
    raise OutsideUnit(_("Pengguna ini di luar wilayah Anda."))


def _check_placement(
    actor: User, unit: Unit | None, contractor: Contractor | None, placed_units: list[Unit]
) -> None:
    """A PLN user belongs to a unit in the actor's reach; a contractor's user is placed in
    units within both the actor's reach and its contractor's units (issue #17)."""
    if (unit is None) == (contractor is None):
        raise InvalidInput("unit", _("Pengguna harus milik tepat satu unit atau satu vendor."))
    if unit is not None:
        if placed_units:
            raise InvalidInput(
                "placed_units", _("Unit penempatan hanya diisi untuk pengguna vendor.")
            )
        require_unit(actor, unit)
        return
    if not placed_units:
        raise InvalidInput(
            "placed_units", _("Pilih minimal satu unit penempatan untuk pengguna vendor.")
        )
    works_for = list(contractor.units.all())
    for placed in placed_units:
        require_unit(actor, placed)
        if not any(placed.is_within(unit) for unit in works_for):
            raise InvalidInput(
                "placed_units",
                _("Vendor %(vendor)s tidak bekerja untuk %(unit)s.")
                % {"vendor": contractor.name, "unit": placed.name},
            )


def _check_grantable(actor: User, requested: set[str]) -> None:
    refused = requested - grantable_roles(actor)
    if refused:
        labels = ", ".join(str(RoleCode(code).label) for code in sorted(refused))
        raise RoleNotGrantable(
            _("Anda tidak dapat memberikan peran yang tidak Anda miliki: %(roles)s.")
            % {"roles": labels}
        )


def _set_roles(user: User, codes: set[str]) -> None:
    user.roles.set(Role.objects.filter(code__in=codes))
    user.__dict__.pop("_role_codes", None)


def _username_taken(username: str) -> InvalidInput:
    return InvalidInput("username", _("Username %(u)s sudah dipakai.") % {"u": username})


@transaction.atomic
def create_user(
    *,
    actor: User,
    username: str,
    password: str,
    roles: set[str],
    unit: Unit | None = None,
    contractor: Contractor | None = None,
    placed_units: Iterable[Unit] = (),
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
) -> User:
    """Create a user of the actor's unit, or of a contractor placed within the actor's reach."""
    require_role(actor, USER_MANAGER_ROLES)
    placed_units = list(placed_units)
    _check_placement(actor, unit, contractor, placed_units)
    _check_grantable(actor, set(roles))
    if User.objects.filter(username__iexact=username).exists():
        raise _username_taken(username)
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
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Two submits at once both passed the check above; the constraint on the lower-cased
        # username let one of them in.
        if User.objects.filter(username__iexact=username).exists():
            raise _username_taken(username) from None
        raise
    user.placed_units.set(placed_units)
    _set_roles(user, set(roles))
    return user


@transaction.atomic
def update_user(
    *,
    actor: User,
    user: User,
    roles: set[str],
    unit: Unit | None = None,
    contractor: Contractor | None = None,
    placed_units: Iterable[Unit] = (),
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
) -> User:
    """Change a user the actor may manage; its new placement and roles stay within reach too."""
    require_role(actor, USER_MANAGER_ROLES)
    ensure_can_manage(actor, user)
    placed_units = list(placed_units)
    _check_placement(actor, unit, contractor, placed_units)
    _check_grantable(actor, set(roles))
    user = User.objects.select_for_update().get(pk=user.pk)
    user.unit, user.contractor = unit, contractor
    user.first_name, user.last_name, user.email, user.phone = first_name, last_name, email, phone
    user._history_user = actor
    user.full_clean(exclude=["password"])
    user.save()
    user.placed_units.set(placed_units)
    _set_roles(user, set(roles))
    return user


@transaction.atomic
def set_user_active(*, actor: User, user: User, active: bool) -> User:
    """Deactivate (or reactivate) a user; accounts are never deleted, their history stays."""
    require_role(actor, USER_MANAGER_ROLES)
    if user.pk == actor.pk and not active:
        raise NotAllowed(_("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    ensure_can_manage(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    user.is_active = active
    user._history_user = actor
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def reset_user_password(*, actor: User, user: User, password: str) -> User:
    """Set a new password chosen by the admin; the user should change it after logging in."""
    require_role(actor, USER_MANAGER_ROLES)
    ensure_can_manage(actor, user)
    validate_password(password, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user._history_user = actor
    user.save(update_fields=["password"])
    return user


def check_current_password(*, request, user: User, password: str) -> None:
    """Changing one's own password asks for the current one through the login's lockout: a
    wrong one counts as a failed login, and a locked account is refused even with the right
    one (issue #17)."""
    checked = authenticate(request, username=user.get_username(), password=password)
    if getattr(request, "axes_locked_out", False):
        raise LockedOut(lockout_message(request, {"username": user.get_username()}))
    if checked is None or checked.pk != user.pk:
        raise InvalidInput("old_password", _("Password lama salah."))


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
