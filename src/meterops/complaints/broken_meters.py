"""Meter rusak → buat target HOME: a ticket whose cause turns out to be a broken meter becomes
the customer's HOME target in one action (issue #23), as a prepaid sampling anomaly does."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from meterops.core.choices import Domain
from meterops.core.errors import InvalidInput, NotFound
from meterops.core.models import User
from meterops.core.scoping import scoped
from meterops.core.services import advance_process, require_role
from meterops.replacement.choices import TargetSource
from meterops.replacement.findings import target_for_finding
from meterops.replacement.models import DamageType
from meterops.replacement.services import DamageReport, check_notes

from . import errors
from .choices import TicketCause, TicketState
from .models import Ticket
from .services import HANDLER_ROLES


@transaction.atomic
def ticket_to_replacement_target(
    *, actor: User, ticket: Ticket, damage_type: DamageType, notes: str = ""
) -> Ticket:
    """The ticket is resolved as a broken meter and becomes the customer's HOME target, or joins
    the one open, in one action and once (issue #23; seed 000 Ex DG, seed 003 point 7)."""
    require_role(actor, HANDLER_ROLES)
    # Locked: the same form sent twice waits here, then finds the target of the first.
    ticket = (
        scoped(Ticket, actor)
        .select_for_update(of=("self",))
        .select_related("process", "customer", "replacement_target")
        .filter(pk=ticket.pk)
        .first()
    )
    if ticket is None:
        raise NotFound(_("Tiket tidak ditemukan di unit Anda."))
    if ticket.replacement_target_id:
        raise errors.AlreadyReplacementTarget(ticket.replacement_target)
    if not can_proceed(ticket.resolve):
        raise errors.TicketWrongState()
    if not damage_type.is_active:
        raise InvalidInput("damage_type", _("Jenis kerusakan ini sudah tidak dipakai."))
    notes = notes.strip()
    text = _("Dari tiket APKT %(ref)s. %(notes)s") % {"ref": ticket.reference, "notes": notes}
    check_notes(text.strip())
    target = target_for_finding(
        actor=actor,
        customer=ticket.customer,
        report=DamageReport(damage_type=damage_type, notes=text.strip(), source=TargetSource.FAULT),
        domain=Domain.COMPLAINTS,
        key=ticket.reference,
        record_id=ticket.pk,
    )
    resolution = (
        _("Meter rusak, target HOME %(ref)s. %(notes)s") % {"ref": target.reference, "notes": notes}
    ).strip()
    ticket.resolve(cause=TicketCause.BROKEN_METER, resolution=resolution, when=timezone.now())
    ticket.replacement_target = target
    ticket.save()
    advance_process(
        process=ticket.process,
        to_state=ticket.state,
        state_label=str(TicketState.RESOLVED.label),
        verb="complaints.replacement_target",
        actor=actor,
        note=resolution,
    )
    return ticket
