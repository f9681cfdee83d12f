"""Demo PLN 123 calls in each demo ULP, made through the services: a customer whose meter the
KRN-2 demo upgraded calls about a token bought with the old key before the upgrade (APKT
Gangguan, handled and closed), other customers on the new key call with tickets left open,
assigned and resolved, and a customer still on the old key is probed.
"""

from datetime import timedelta
from decimal import Decimal

from meterops.core.choices import RoleCode
from meterops.core.demo import DemoTeam, demo_teams
from meterops.core.models import User
from meterops.customers.choices import PaymentMode
from meterops.customers.models import Customer
from meterops.keychange.choices import TargetState
from meterops.keychange.models import CampaignTarget
from meterops.vending.choices import NEW_VKRN, OLD_VKRN

from . import services
from .choices import PowerState, TicketCause
from .models import Ticket

# The calls of customers on the new key: (power state, remaining kWh, how far the ticket goes).
CALLS = (
    (PowerState.ON, Decimal(25), "open"),
    (PowerState.OFF, None, "assigned"),
    (PowerState.ALMOST_OFF, None, "resolved"),
)


def generate_calls() -> int:
    """The calls of each demo ULP that has no ticket yet; returns the tickets made."""
    agent = (
        User.objects.filter(roles__code=RoleCode.CALL_CENTRE, is_active=True)
        .order_by("username")
        .first()
    )
    if agent is None:
        return 0
    made = 0
    for team in demo_teams():
        if Ticket.objects.filter(unit=team.unit).exists():
            continue
        upgrades = list(
            CampaignTarget.objects.filter(unit=team.unit, state=TargetState.SUCCEEDED)
            .select_related("customer")
            .order_by("pk")
        )
        if upgrades:
            _old_key_token_call(agent, team, upgrades[0])
            made += 1
        # The other upgraded customers first, then those whose meter came with the new key.
        on_new_key = _prepaid_on(team, [NEW_VKRN]).exclude(pk__in=[u.customer_id for u in upgrades])
        callers = [u.customer for u in upgrades[1:]] + list(on_new_key[: len(CALLS)])
        for customer, (power, remaining, step) in zip(callers, CALLS, strict=False):
            ticket = services.handle_token_call(
                actor=agent,
                customer=customer,
                right_token=True,
                officer_visited=False,
                power_state=power,
                remaining_kwh=remaining,
                note="Token tidak bisa masuk, display menampilkan REJECT.",
            )
            _handle(ticket, team, step)
            made += 1
        on_old_key = _prepaid_on(team, OLD_VKRN).first()
        if on_old_key is not None:
            checklist = [str(step) for step in services.probing_steps_for(team.unit)]
            services.record_probing_call(
                actor=agent,
                customer=on_old_key,
                checked=checklist,
                note="Token salah ketik; berhasil setelah diinput ulang.",
            )
    return made


def _prepaid_on(team: DemoTeam, vkrns):
    """Prepaid customers of the team's ULP whose current meter is on one of ``vkrns``."""
    return Customer.objects.filter(
        unit=team.unit,
        payment_mode=PaymentMode.PREPAID,
        meters__removed_at__isnull=True,
        meters__vkrn__in=vkrns,
    ).order_by("customer_id")


def _old_key_token_call(agent: User, team: DemoTeam, upgraded: CampaignTarget) -> None:
    """A token bought two days before the KCT went in: the dates alone show it is on the old
    key (a token of base date 1993 cannot be vended after its TID range ended in 2024)."""
    ticket = services.handle_token_call(
        actor=agent,
        customer=upgraded.customer,
        right_token=True,
        officer_visited=True,
        power_state=PowerState.OFF,
        purchased_at=upgraded.updated_key_at - timedelta(days=2),
        note="Token dibeli sebelum petugas memasukkan KCT.",
    )
    ticket = services.resolve_ticket(
        actor=team.supervisor,
        ticket=ticket,
        cause=TicketCause.OLD_KEY_TOKEN,
        resolution="Token lama ditukar di loket dengan token VKRN 43; meter menyala.",
    )
    services.close_ticket(actor=agent, ticket=ticket)


def _handle(ticket: Ticket, team: DemoTeam, step: str) -> None:
    if step == "open":
        return
    ticket = services.assign_ticket(actor=team.supervisor, ticket=ticket, officer=team.officer)
    if step == "assigned":
        return
    services.resolve_ticket(
        actor=team.officer,
        ticket=ticket,
        cause=TicketCause.KCT_FAILED,
        resolution="KCT dimasukkan ulang oleh petugas; token pelanggan diterima.",
    )


def build_demo(*, units, seed: int, options: dict) -> str:
    """seed_demo's PLN 123 calls and APKT tickets, after the KRN-2 demo they refer to."""
    return f"{generate_calls()} tiket APKT"
