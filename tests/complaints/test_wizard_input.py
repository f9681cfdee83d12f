"""What the agent types into the wizard (issue #18): a misread token number is refused before a
ticket is filed, the purchase time is read in the customer's zone, and the form sent twice
records one call."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meterops.complaints import services
from meterops.complaints.choices import PowerState
from meterops.complaints.models import Ticket, TokenCall
from meterops.core.choices import RoleCode, TimeZoneName
from meterops.core.errors import InvalidInput
from meterops.core.models import UnitSettings
from tests.complaints.helpers import upgraded_meter, vend
from tests.factories import UserFactory


@pytest.fixture
def agent(cast):
    return UserFactory(username="cso.uid", unit=cast.region, roles=[RoleCode.CALL_CENTRE])


def answers(**extra):
    """The wizard's answers for a VKRN 43 meter: right token, officer came, power off."""
    data = {
        "submission": str(uuid.uuid4()),
        "right_token": "on",
        "officer_visited": "yes",
        "power_state": "off",
    }
    return data | extra


def wizard_url(meter):
    return reverse("complaints:wizard") + f"?q={meter.customer.customer_id}"


class TokenNumberTests:
    @pytest.mark.parametrize(
        ("typed", "reason"),
        [
            ("1234 5678 9012 3456 789", "20 digit; yang diisi 19 digit"),
            ("1234 5678 9012 3456 78901", "yang diisi 21 digit"),
            ("1234 5678 9O12 3456 7890", "“O” bukan angka"),
            ("1234-5678-abcd-3456-7890", "“a” bukan angka"),
        ],
    )
    def test_a_misread_number_is_refused_with_its_reason(self, typed, reason):
        with pytest.raises(InvalidInput) as refused:
            services.token_number_from(typed)
        assert refused.value.field == "token"
        assert reason in str(refused.value.message)

    def test_spaces_and_dashes_of_the_receipt_are_allowed(self):
        assert services.token_number_from("1234-5678 9012-3456 7890") == "12345678901234567890"

    def test_the_wizard_files_no_ticket_on_a_19_digit_token(self, cast, agent, client_for):
        """Issue #18: 19 digits or letters still filed an APKT ticket."""
        meter, pair = upgraded_meter(cast)
        token = vend(meter, pair.new, kwh="20", at=datetime(2024, 6, 3, 9, 0))
        page = client_for(agent).post(wizard_url(meter), answers(token=token[:19]))
        assert page.status_code == 200
        assert page.context["call_form"].errors["token"] == [
            "Nomor token harus 20 digit; yang diisi 19 digit. Minta pelanggan membacakan ulang "
            "nomor token dari struk."
        ]
        assert not Ticket.objects.exists() and not TokenCall.objects.exists()

    def test_the_wizard_files_no_ticket_on_letters(self, cast, agent, client_for):
        meter, pair = upgraded_meter(cast)
        token = vend(meter, pair.new, kwh="20", at=datetime(2024, 6, 3, 9, 0))
        typed = token[:10] + "abcdefghij"
        page = client_for(agent).post(wizard_url(meter), answers(token=typed))
        assert "bukan angka" in page.context["call_form"].errors["token"][0]
        assert not Ticket.objects.exists()

    def test_the_service_refuses_it_too(self, cast, agent):
        meter, _pair = upgraded_meter(cast)
        with pytest.raises(InvalidInput) as refused:
            services.handle_token_call(
                actor=agent,
                customer=meter.customer,
                right_token=True,
                officer_visited=True,
                power_state=PowerState.OFF,
                token="1" * 19,
            )
        assert refused.value.field == "token"
        assert not Ticket.objects.exists()


class PurchaseTimeZoneTests:
    """Issue #18: a WIB agent typing a WIT customer's P2APST time was two hours off."""

    @pytest.fixture
    def wit_meter(self, cast):
        UnitSettings.objects.create(unit=cast.sp_a, time_zone=TimeZoneName.WIT)
        meter, _pair = upgraded_meter(cast)  # updated 2024-06-02 06:00 UTC = 15:00 WIT
        return meter

    def test_the_field_names_the_customers_zone(self, cast, agent, wit_meter, client_for):
        page = client_for(agent).get(wizard_url(wit_meter))
        assert "WIT (UTC+9)" in page.context["call_form"].fields["purchased_at"].label
        assert "02-06-2024 15:00 WIT" in page.content.decode()

    def test_the_typed_time_is_read_in_the_customers_zone(self, cast, agent, wit_meter, client_for):
        # 14:30 WIT, half an hour before the key update at 15:00 WIT: an old-key token. Read
        # as the agent's WIB it would be 16:30 WIT, after the update.
        client_for(agent).post(wizard_url(wit_meter), answers(purchased_at="2024-06-02T14:30"))
        call = TokenCall.objects.get()
        assert call.purchased_at == datetime(2024, 6, 2, 5, 30, tzinfo=UTC)
        assert call.old_key_token
        assert call.ticket.suggested_cause == "old_key_token"

    def test_the_ticket_shows_both_times_in_the_customers_zone(
        self, cast, agent, wit_meter, client_for
    ):
        client_for(agent).post(wizard_url(wit_meter), answers(purchased_at="2024-06-02T14:30"))
        ticket = Ticket.objects.get()
        page = client_for(cast.supervisor).get(
            reverse("complaints:ticket_detail", args=[ticket.pk])
        )
        html = page.content.decode()
        assert 'id="call-updated">02-06-2024 15:00 WIT<' in html
        assert 'id="call-purchased">02-06-2024 14:30 WIT<' in html

    def test_a_purchase_time_still_to_come_is_refused(self, cast, agent, wit_meter, client_for):
        later = timezone.now() + timedelta(days=1)
        page = client_for(agent).post(
            wizard_url(wit_meter), answers(purchased_at=f"{later:%Y-%m-%dT%H:%M}")
        )
        assert "belum terjadi" in page.context["call_form"].errors["purchased_at"][0]
        assert not TokenCall.objects.exists()


class DoubleSubmitTests:
    def test_the_same_form_sent_twice_records_one_call(self, cast, agent, client_for):
        meter, _pair = upgraded_meter(cast)
        client, data = client_for(agent), answers()
        first = client.post(wizard_url(meter), data)
        again = client.post(wizard_url(meter), data, follow=True)
        ticket = Ticket.objects.get()
        assert first["Location"] == reverse("complaints:ticket_detail", args=[ticket.pk])
        assert again.redirect_chain[-1][0] == first["Location"]
        assert f"sudah tercatat pada tiket {ticket.reference}" in again.content.decode()
        assert TokenCall.objects.count() == 1

    def test_a_form_without_its_key_is_refused_in_indonesian(self, cast, agent, client_for):
        meter, _pair = upgraded_meter(cast)
        page = client_for(agent).post(wizard_url(meter), answers(submission=""))
        assert "muat ulang halaman" in page.content.decode()
        assert not TokenCall.objects.exists()
