"""The call-centre wizard and the APKT ticket pages."""

import uuid
from datetime import datetime

import pytest
from django.urls import reverse

from meterops.complaints.choices import PowerState
from meterops.complaints.models import Ticket, TokenCall
from meterops.complaints.services import handle_token_call
from meterops.core.choices import RoleCode
from meterops.keychange.models import CampaignTarget
from tests.complaints.helpers import upgraded_meter, vend
from tests.factories import UserFactory
from tests.keychange.helpers import old_key_meter, prepare_keys


@pytest.fixture
def agent(cast):
    return UserFactory(username="cso.uid", unit=cast.region, roles=[RoleCode.CALL_CENTRE])


class WizardTests:
    def test_vkrn_41_shows_probing_and_records_the_call(self, cast, agent, client_for):
        prepare_keys(cast)
        meter = old_key_meter(cast.sp_b)
        client = client_for(agent)
        url = reverse("complaints:wizard") + f"?q={meter.meter_number}"
        page = client.get(url)
        assert page.context["vkrn"] == 41 and "probing_form" in page.context
        response = client.post(url, {"checked": [], "note": "display BLOCK"})
        assert response.status_code == 302
        assert TokenCall.objects.get().note == "display BLOCK"

    @pytest.mark.parametrize(
        ("vkrn", "krn", "branch"),
        [(41, 1, "probing_form"), (42, 2, "probing_form"), (43, 2, "call_form")],
    )
    def test_each_vkrn_takes_its_branch(self, cast, agent, client_for, vkrn, krn, branch):
        """Seed 003, 7.b/7.c: "41 atau 42" not upgraded yet, "43" upgraded. A VKRN 42 meter
        holds KRN 2 like a VKRN 43 one: the branch follows the VKRN, not the KRN."""
        prepare_keys(cast)
        meter = old_key_meter(cast.sp_b, vkrn=vkrn, key_revision=krn)
        url = reverse("complaints:wizard") + f"?q={meter.meter_number}"
        page = client_for(agent).get(url)
        assert page.context["vkrn"] == vkrn and branch in page.context
        assert f"VKRN {vkrn}" in page.content.decode() or f">{vkrn}<" in page.content.decode()

    def test_vkrn_43_sends_gangguan_ticket(self, cast, agent, client_for):
        meter, pair = upgraded_meter(cast)
        token = vend(meter, pair.new, kwh="20", at=datetime(2024, 6, 3, 9, 0))
        url = reverse("complaints:wizard") + f"?q={meter.customer.customer_id}"
        response = client_for(agent).post(
            url,
            {
                "submission": str(uuid.uuid4()),
                "right_token": "on",
                "officer_visited": "yes",
                "power_state": "off",
                "token": token,
            },
        )
        ticket = Ticket.objects.get()
        assert response["Location"] == reverse("complaints:ticket_detail", args=[ticket.pk])
        assert ticket.kind == "outage"

    def test_on_without_remaining_kwh_is_asked_again(self, cast, agent, client_for):
        meter, _pair = upgraded_meter(cast)
        url = reverse("complaints:wizard") + f"?q={meter.customer.customer_id}"
        response = client_for(agent).post(
            url,
            {
                "submission": str(uuid.uuid4()),
                "right_token": "on",
                "officer_visited": "yes",
                "power_state": "on",
            },
        )
        assert "Tanyakan sisa kWh" in response.content.decode()
        assert not Ticket.objects.exists()

    def test_ulp_agent_does_not_find_another_units_customer(self, cast, client_for):
        prepare_keys(cast)
        meter = old_key_meter(cast.sp_b)
        local = UserFactory(unit=cast.sp_a, roles=[RoleCode.CALL_CENTRE])
        page = client_for(local).get(reverse("complaints:wizard"), {"q": meter.meter_number})
        assert "tidak ditemukan" in page.content.decode()

    def test_supervisor_gets_403(self, cast, client_for):
        assert client_for(cast.supervisor).get(reverse("complaints:wizard")).status_code == 403


class TicketPagesTests:
    @pytest.fixture
    def ticket(self, cast, agent, client_for):
        meter, _pair = upgraded_meter(cast)
        url = reverse("complaints:wizard") + f"?q={meter.customer.customer_id}"
        client_for(agent).post(
            url,
            {
                "submission": str(uuid.uuid4()),
                "right_token": "on",
                "officer_visited": "no",
                "power_state": "on_unknown",
            },
        )
        return Ticket.objects.get()

    def test_supervisor_assigns_resolves_and_agent_closes(self, cast, agent, ticket, client_for):
        client = client_for(cast.supervisor)
        client.post(
            reverse("complaints:ticket_assign", args=[ticket.pk]), {"officer": cast.officer.pk}
        )
        client.post(
            reverse("complaints:ticket_resolve", args=[ticket.pk]),
            {"cause": "kct_failed", "resolution": "KCT ulang"},
        )
        client_for(agent).post(reverse("complaints:ticket_close", args=[ticket.pk]))
        ticket.refresh_from_db()
        assert ticket.state == "closed" and ticket.assigned_to == cast.officer

    def test_the_ulp_supervisor_may_assign_the_contractors_officer(self, cast, ticket, client_for):
        """Bug #16: the ticket's officer list lacked the officers of the contractor working for
        the ULP's UP3, while Order Lapangan offered them to the same supervisor."""
        mitra = UserFactory(
            username="petugas.mitra.a", contractor=cast.contractor_a, roles=[RoleCode.FIELD_OFFICER]
        )
        outsider = UserFactory(username="petugas.b", unit=cast.sp_b, roles=[RoleCode.FIELD_OFFICER])
        client = client_for(cast.supervisor)
        page = client.get(reverse("complaints:ticket_detail", args=[ticket.pk]))
        offered = page.context["assign_form"].fields["officer"].queryset
        assert mitra in offered and outsider not in offered
        client.post(reverse("complaints:ticket_assign", args=[ticket.pk]), {"officer": mitra.pk})
        ticket.refresh_from_db()
        assert ticket.assigned_to == mitra

    def test_overdue_ticket_is_marked_red(self, cast, ticket, client_for):
        Ticket.objects.filter(pk=ticket.pk).update(
            due_at=datetime(2020, 1, 1, tzinfo=ticket.due_at.tzinfo)
        )
        page = client_for(cast.supervisor).get(reverse("complaints:ticket_list"))
        assert 'data-overdue="1"' in page.content.decode()

    def test_outsider_gets_404(self, cast, ticket, client_for):
        url = reverse("complaints:ticket_detail", args=[ticket.pk])
        assert client_for(cast.outsider).get(url).status_code == 404

    def test_unit_admin_sets_sla_and_checklist(self, cast, client_for):
        client = client_for(cast.unit_admin)
        client.post(
            reverse("complaints:settings"),
            {"outage_sla_hours": 2, "complaint_sla_hours": 12, "probing": "Satu\nDua"},
        )
        page = client.get(reverse("complaints:settings"))
        assert page.context["form"].initial["probing"] == "Satu\nDua"
        assert page.context["form"].initial["outage_sla_hours"] == 2

    def test_the_ulp_checks_a_kct_berhasil_from_the_ticket(self, cast, client_for):
        """A PLN 123 ticket on a meter confirmed Berhasil leads its ULP to the check."""
        meter, _pair = upgraded_meter(cast)
        agent = UserFactory(unit=cast.region, roles=[RoleCode.CALL_CENTRE])
        ticket = handle_token_call(
            actor=agent,
            customer=meter.customer,
            right_token=True,
            officer_visited=True,
            power_state=PowerState.OFF,
        )
        target = CampaignTarget.objects.get(meter=meter)
        url = reverse("keychange:target_correction", args=[target.pk])
        ticket_url = reverse("complaints:ticket_detail", args=[ticket.pk])
        assert f'href="{url}"' in client_for(cast.supervisor).get(ticket_url).content.decode()
        assert f'href="{url}"' not in client_for(agent).get(ticket_url).content.decode()
