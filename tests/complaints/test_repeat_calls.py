"""A customer who calls again while the ticket is open (issue #18): the wizard shows the open
ticket by its number and adds the call to it, instead of refusing with an internal code."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meterops.complaints.choices import PowerState, TicketKind, TicketState
from meterops.complaints.models import Ticket, TokenCall
from meterops.complaints.services import assign_ticket, close_ticket, handle_token_call
from meterops.complaints.services import resolve_ticket as resolve
from meterops.core.choices import RoleCode
from meterops.core.models import Process, ProcessEvent
from tests.complaints.helpers import upgraded_meter
from tests.factories import UserFactory


@pytest.fixture
def agent(cast):
    return UserFactory(username="cso.uid", unit=cast.region, roles=[RoleCode.CALL_CENTRE])


def call(agent, customer, power=PowerState.ON, kwh=None, **extra):
    return handle_token_call(
        actor=agent,
        customer=customer,
        right_token=True,
        officer_visited=True,
        power_state=power,
        remaining_kwh=kwh,
        **extra,
    )


class RepeatCallServiceTests:
    def test_the_process_is_named_by_the_ticket_number(self, cast, agent):
        meter, _pair = upgraded_meter(cast)
        ticket = call(agent, meter.customer, PowerState.OFF)
        assert ticket.process.reference == ticket.reference == f"GGN-{ticket.pk:07d}"
        assert list(ticket.calls.all()) == [ticket.call]

    def test_a_second_call_is_added_to_the_open_ticket(self, cast, agent):
        meter, _pair = upgraded_meter(cast)
        first = call(agent, meter.customer, PowerState.ON, kwh=40)
        second_agent = UserFactory(unit=cast.region, roles=[RoleCode.CALL_CENTRE])
        again = call(second_agent, meter.customer, PowerState.OFF, note="Sekarang padam.")
        assert again.pk == first.pk and Ticket.objects.count() == 1
        assert again.calls.count() == 2
        added = ProcessEvent.objects.get(verb="complaints.call_added")
        assert added.process_id == first.process_id and added.actor == second_agent
        assert "Panggilan ke-2: Padam." in added.note
        assert "Kondisi saat ini: APKT Gangguan." in added.note
        assert "Sekarang padam." in added.note
        assert again.kind == TicketKind.COMPLAINT  # the ticket keeps its number and kind

    def test_a_call_after_the_ticket_is_closed_opens_a_new_one(self, cast, agent):
        meter, _pair = upgraded_meter(cast)
        first = call(agent, meter.customer, PowerState.OFF)
        resolve(
            actor=cast.supervisor, ticket=first, cause="other", resolution="Token diinput ulang"
        )
        close_ticket(actor=agent, ticket=first)
        second = call(agent, meter.customer, PowerState.OFF)
        assert second.pk != first.pk and second.calls.count() == 1
        assert Process.objects.filter(customer=meter.customer, is_open=True).get() == (
            second.process
        )


class RepeatCallWizardTests:
    @pytest.fixture
    def ticket(self, cast, agent):
        meter, _pair = upgraded_meter(cast)
        ticket = call(agent, meter.customer, PowerState.OFF)
        return assign_ticket(actor=cast.supervisor, ticket=ticket, officer=cast.officer)

    def test_the_wizard_shows_the_open_ticket(self, cast, agent, ticket, client_for):
        """Issue #18: the second call was refused naming "CALL-1", a process an agent cannot
        finish."""
        url = reverse("complaints:wizard") + f"?q={ticket.customer.customer_id}"
        html = client_for(agent).get(url).content.decode()
        link = reverse("complaints:ticket_detail", args=[ticket.pk])
        assert f'href="{link}" id="open-ticket-link">{ticket.reference}</a>' in html
        assert 'id="open-ticket-state">Ditugaskan<' in html
        assert 'id="open-ticket-officer">Uji<' in html  # the officer's full name
        assert f"Tambahkan ke tiket {ticket.reference}" in html
        assert "CALL-" not in html

    def test_the_agents_new_call_is_recorded_on_it(self, cast, agent, ticket, client_for):
        url = reverse("complaints:wizard") + f"?q={ticket.customer.customer_id}"
        data = {
            "submission": str(uuid.uuid4()),
            "right_token": "on",
            "officer_visited": "yes",
            "power_state": "almost_off",
            "note": "Pelanggan menelepon lagi",
        }
        response = client_for(agent).post(url, data, follow=True)
        assert response.redirect_chain[-1][0] == reverse(
            "complaints:ticket_detail", args=[ticket.pk]
        )
        html = response.content.decode()
        assert f"Panggilan ditambahkan ke tiket {ticket.reference}" in html
        assert "CALL-" not in html and "Selesaikan proses" not in html
        assert TokenCall.objects.filter(ticket=ticket).count() == 2
        assert 'id="ticket-calls"' in html and "Pelanggan menelepon lagi" in html
        ticket.refresh_from_db()
        assert ticket.state == TicketState.ASSIGNED

    def test_an_agent_of_another_ulp_sees_no_ticket(self, cast, ticket, client_for):
        local = UserFactory(unit=cast.sp_b, roles=[RoleCode.CALL_CENTRE])
        url = reverse("complaints:wizard") + f"?q={ticket.customer.customer_id}"
        page = client_for(local).get(url)
        assert "tidak ditemukan" in page.content.decode()
        assert ticket.reference not in page.content.decode()


def test_the_ticket_page_reads_its_calls_in_a_fixed_number_of_queries(cast, agent, client_for):
    meter, _pair = upgraded_meter(cast)
    ticket = call(agent, meter.customer, PowerState.OFF)
    client = client_for(agent)
    url = reverse("complaints:ticket_detail", args=[ticket.pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    queries()  # the first request also reads the unit's time zone, which the process keeps
    one = queries()
    for _ in range(3):
        call(agent, meter.customer, PowerState.OFF)
    assert queries() == one, one
