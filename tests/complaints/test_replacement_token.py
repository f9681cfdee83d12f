"""The replacement token for an old-key purchase (seed 003, 7.d.2; issue #18): from the kWh of
the receipt when only the purchase time is known, once per purchase, shown to the ULP."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from meterops.complaints import errors
from meterops.complaints.choices import PowerState
from meterops.complaints.models import ReplacementToken
from meterops.complaints.services import handle_token_call, issue_replacement_token
from meterops.core.choices import RoleCode
from meterops.core.errors import InvalidInput
from meterops.core.models import ProcessEvent
from tests.complaints.helpers import UPGRADED_AT, field_meter, upgraded_meter, vend
from tests.factories import UserFactory


@pytest.fixture
def agent(cast):
    return UserFactory(username="cso.uid", unit=cast.region, roles=[RoleCode.CALL_CENTRE])


def bought_before_update(agent, meter, **extra):
    """The customer gives only the P2APST purchase time, two days before the key update."""
    return handle_token_call(
        actor=agent,
        customer=meter.customer,
        right_token=True,
        officer_visited=True,
        power_state=PowerState.OFF,
        purchased_at=UPGRADED_AT - timedelta(days=2),
        **extra,
    )


class ReceiptReplacementTests:
    def test_without_the_token_number_the_receipts_kwh_are_asked(self, cast, agent):
        meter, _pair = upgraded_meter(cast)
        ticket = bought_before_update(agent, meter)
        assert ticket.call.old_key_token and ticket.call.token_quantity is None
        with pytest.raises(InvalidInput) as refused:
            issue_replacement_token(actor=agent, call=ticket.call)
        assert refused.value.field == "quantity"
        assert not ReplacementToken.objects.exists()

    def test_the_token_carries_the_receipts_kwh_under_the_new_key(self, cast, agent):
        """Issue #18: a replacement of "None kWh" was offered and clicking it failed."""
        meter, pair = upgraded_meter(cast)
        ticket = bought_before_update(agent, meter)
        replacement = issue_replacement_token(
            actor=agent, call=ticket.call, quantity=Decimal("13.6")
        )
        assert (replacement.quantity, replacement.from_receipt) == (Decimal("13.6"), True)
        assert replacement.original_token is None
        accepted = field_meter(meter, pair.new).enter(replacement.token)
        assert accepted.decoded.fields.quantity == Decimal("13.6")
        event = ProcessEvent.objects.get(verb="complaints.replacement_token")
        assert event.process_id == ticket.process_id  # on the ticket's history the ULP reads
        assert "13,6 kWh (kWh dari struk, dibeli 31-05-2024 13:00 WIB)" in event.note

    @pytest.mark.parametrize(
        ("kwh", "words"),
        [
            (Decimal(0), "lebih dari 0"),
            (Decimal(-5), "lebih dari 0"),
            (Decimal(20000), "paling banyak 10.000 kWh"),
            (Decimal("13.65"), "satu angka di belakang koma"),
        ],
    )
    def test_receipt_kwh_out_of_range_are_refused(self, cast, agent, kwh, words):
        meter, _pair = upgraded_meter(cast)
        ticket = bought_before_update(agent, meter)
        with pytest.raises(InvalidInput, match=words):
            issue_replacement_token(actor=agent, call=ticket.call, quantity=kwh)
        assert not ReplacementToken.objects.exists()

    def test_one_purchase_is_replaced_once(self, cast, agent):
        meter, _pair = upgraded_meter(cast)
        ticket = bought_before_update(agent, meter)
        issue_replacement_token(actor=agent, call=ticket.call, quantity=Decimal("13.6"))
        with pytest.raises(errors.AlreadyReplaced):
            issue_replacement_token(actor=agent, call=ticket.call, quantity=Decimal("13.6"))
        # The customer calls again about the same purchase: the same time, another call.
        again = bought_before_update(agent, meter)
        second_call = again.calls.order_by("-id").first()
        assert second_call != ticket.call
        with pytest.raises(errors.AlreadyReplaced):
            issue_replacement_token(actor=agent, call=second_call, quantity=Decimal("13.6"))
        assert ReplacementToken.objects.count() == 1

    def test_the_decoded_kwh_win_over_what_is_typed(self, cast, agent):
        meter, pair = upgraded_meter(cast)
        old = vend(meter, pair.old, kwh="15", at=datetime(2024, 6, 1, 6, 19))
        ticket = bought_before_update(agent, meter, token=old)
        replacement = issue_replacement_token(actor=agent, call=ticket.call, quantity=Decimal(99))
        assert (replacement.quantity, replacement.from_receipt) == (Decimal("15.0"), False)
        assert replacement.original_token == old


class ReplacementPageTests:
    @pytest.fixture
    def ticket(self, cast, agent):
        meter, _pair = upgraded_meter(cast)
        return bought_before_update(agent, meter)

    def test_the_offer_asks_for_the_receipts_kwh(self, agent, ticket, client_for):
        page = client_for(agent).get(reverse("complaints:ticket_detail", args=[ticket.pk]))
        html = page.content.decode()
        assert "None" not in html
        assert "kWh pembelian (dari struk, bukan rupiah)" in html

    def test_the_agent_issues_it_with_the_receipts_kwh(self, agent, ticket, client_for):
        url = reverse("complaints:call_replacement", args=[ticket.pk])
        response = client_for(agent).post(
            url, {"call": ticket.call_id, "quantity": "13.6"}, follow=True
        )
        replacement = ReplacementToken.objects.get()
        assert f"Token pengganti: {replacement.formatted}" in response.content.decode()

    def test_a_bad_quantity_is_named(self, agent, ticket, client_for):
        url = reverse("complaints:call_replacement", args=[ticket.pk])
        response = client_for(agent).post(url, {"call": ticket.call_id, "quantity": "abc"})
        response = client_for(agent).get(response["Location"])
        assert "kWh pembelian (dari struk, bukan rupiah): " in response.content.decode()
        assert not ReplacementToken.objects.exists()

    def test_a_call_of_another_ticket_is_404(self, cast, agent, ticket, client_for):
        other_meter, _pair = upgraded_meter(cast)
        other = bought_before_update(agent, other_meter)
        url = reverse("complaints:call_replacement", args=[ticket.pk])
        response = client_for(agent).post(url, {"call": other.call_id, "quantity": "5"})
        assert response.status_code == 404
        assert not ReplacementToken.objects.exists()

    def test_the_ulp_sees_the_token_the_agent_issued(self, cast, agent, ticket, client_for):
        """Issue #18: the replacement token showed only to the call centre."""
        replacement = issue_replacement_token(
            actor=agent, call=ticket.call, quantity=Decimal("13.6")
        )
        page = client_for(cast.supervisor).get(
            reverse("complaints:ticket_detail", args=[ticket.pk])
        )
        html = page.content.decode()
        assert replacement.formatted in html
        assert "13,6 kWh, dari struk" in html
        assert "Buat token pengganti" not in html  # issuing stays the agent's

    def test_an_outsider_gets_404(self, cast, ticket, client_for):
        url = reverse("complaints:ticket_detail", args=[ticket.pk])
        assert client_for(cast.outsider).get(url).status_code == 404
