"""Meter rusak → buat target HOME: a ticket whose cause is a broken meter becomes the customer's
HOME target in one action, once, only within the user's unit; Cek Status Terakhir links the
ticket and the target both ways (issue #23)."""

import pytest
from django.urls import reverse

from meterops.complaints import errors
from meterops.complaints.broken_meters import ticket_to_replacement_target
from meterops.complaints.choices import PowerState, TicketCause, TicketState
from meterops.complaints.services import handle_token_call
from meterops.core.choices import Domain, RoleCode
from meterops.core.errors import NotAllowed, NotFound
from meterops.replacement.choices import TargetState
from meterops.replacement.models import DamageType, ReplacementTarget, TargetOrigin
from meterops.replacement.services import DamageReport, report_damage
from tests.complaints.helpers import upgraded_meter
from tests.factories import UserFactory
from tests.replacement.conftest import jpeg


@pytest.fixture
def agent(cast):
    return UserFactory(username="cso.uid", unit=cast.region, roles=[RoleCode.CALL_CENTRE])


@pytest.fixture
def ticket(cast, agent):
    meter, _pair = upgraded_meter(cast)
    return handle_token_call(
        actor=agent,
        customer=meter.customer,
        right_token=True,
        officer_visited=True,
        power_state=PowerState.OFF,
    )


@pytest.fixture
def burnt():
    return DamageType.objects.get(code="terbakar")


def _post(client, ticket, damage_type, notes="meter hangus"):
    return client.post(
        reverse("complaints:ticket_replacement_target", args=[ticket.pk]),
        {"damage_type": damage_type.pk, "notes": notes},
    )


class TicketToTargetTests:
    def test_one_action_resolves_the_ticket_and_opens_the_target(self, cast, ticket, burnt):
        ticket = ticket_to_replacement_target(
            actor=cast.supervisor, ticket=ticket, damage_type=burnt, notes="meter hangus"
        )
        target = ticket.replacement_target
        assert (ticket.state, ticket.cause) == (TicketState.RESOLVED, TicketCause.BROKEN_METER)
        assert target.reference in ticket.resolution
        assert (target.customer, target.damage_type, target.state) == (
            ticket.customer,
            burnt,
            TargetState.SUBMITTED,
        )
        assert ticket.reference in target.notes and target.reported_by == cast.supervisor
        origin = TargetOrigin.objects.get()
        assert (origin.domain, origin.key, origin.record_id) == (
            Domain.COMPLAINTS,
            ticket.reference,
            ticket.pk,
        )
        assert ticket.process.events.filter(verb="complaints.replacement_target").exists()
        assert target.process.events.filter(verb="replacement.opened").exists()

    def test_an_open_target_of_the_customer_is_linked_not_doubled(self, cast, ticket, burnt):
        earlier = report_damage(
            actor=cast.supervisor,
            customer=ticket.customer,
            report=DamageReport(damage_type=burnt),
            photos=[jpeg()],
        )
        ticket = ticket_to_replacement_target(
            actor=cast.supervisor, ticket=ticket, damage_type=burnt
        )
        assert ticket.replacement_target == earlier
        assert ReplacementTarget.objects.count() == 1

    def test_sent_twice_makes_one_target(self, cast, ticket, burnt):
        ticket_to_replacement_target(actor=cast.supervisor, ticket=ticket, damage_type=burnt)
        with pytest.raises(errors.AlreadyReplacementTarget, match="sudah menjadi target"):
            ticket_to_replacement_target(actor=cast.supervisor, ticket=ticket, damage_type=burnt)
        assert ReplacementTarget.objects.count() == 1

    def test_another_units_handler_finds_no_ticket(self, cast, ticket, burnt):
        with pytest.raises(NotFound):
            ticket_to_replacement_target(actor=cast.outsider, ticket=ticket, damage_type=burnt)
        assert not ReplacementTarget.objects.exists()

    def test_the_call_centre_may_not(self, agent, ticket, burnt):
        with pytest.raises(NotAllowed):
            ticket_to_replacement_target(actor=agent, ticket=ticket, damage_type=burnt)


class TicketToTargetViewTests:
    def test_double_submit_makes_one_target_and_links_it(self, cast, ticket, burnt, client_for):
        client = client_for(cast.supervisor)
        first, second = _post(client, ticket, burnt), _post(client, ticket, burnt)
        assert first.status_code == second.status_code == 302
        target = ReplacementTarget.objects.get()
        page = client.get(reverse("complaints:ticket_detail", args=[ticket.pk])).content.decode()
        assert reverse("replacement:target_detail", args=[target.pk]) in page
        assert "sudah menjadi target" in page  # the second press is told, not repeated

    def test_another_unit_gets_404(self, cast, ticket, burnt, client_for):
        response = _post(client_for(cast.outsider), ticket, burnt)
        assert response.status_code == 404
        assert not ReplacementTarget.objects.exists()

    def test_the_form_is_offered_on_an_open_ticket(self, cast, ticket, client_for):
        page = client_for(cast.supervisor).get(
            reverse("complaints:ticket_detail", args=[ticket.pk])
        )
        assert "Meter rusak → buat target HOME" in page.content.decode()

    def test_cek_status_links_ticket_and_target_both_ways(self, cast, ticket, burnt, client_for):
        client = client_for(cast.supervisor)
        _post(client, ticket, burnt)
        target = ReplacementTarget.objects.get()
        html = client.get(
            reverse("core:status"), {"customer_id": ticket.customer.customer_id}
        ).content.decode()
        assert reverse("replacement:target_detail", args=[target.pk]) in html  # ticket → TO
        ticket_url = reverse("complaints:ticket_detail", args=[ticket.pk])
        assert f'<a href="{ticket_url}">Pengaduan {ticket.reference}' in html  # TO → ticket
        outsider = client_for(cast.outsider).get(
            reverse("core:status"), {"customer_id": ticket.customer.customer_id}
        )
        assert target.reference not in outsider.content.decode()
