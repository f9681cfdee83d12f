"""The PLN 123 procedure of seed 003 for a token that cannot be entered."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from meterops import sts
from meterops.complaints import errors
from meterops.complaints.choices import PowerState, TicketCause, TicketKind, TokenFinding
from meterops.complaints.services import (
    assign_ticket,
    close_ticket,
    handle_token_call,
    issue_replacement_token,
    probing_steps_for,
    record_probing_call,
    resolve_ticket,
    save_probing_steps,
    ticket_kind_for,
)
from meterops.core.choices import RoleCode
from meterops.core.errors import InvalidInput, NotAllowed
from tests.complaints.helpers import UPGRADED_AT, field_meter, upgraded_meter, vend
from tests.factories import UserFactory
from tests.keychange.helpers import old_key_meter, prepare_keys

D = Decimal


class TicketKindForTests:
    @pytest.mark.parametrize(
        ("power", "kwh", "old_key", "kind"),
        [
            (PowerState.OFF, None, False, TicketKind.OUTAGE),
            (PowerState.ON, D("0"), False, TicketKind.OUTAGE),
            (PowerState.ON, D("10"), False, TicketKind.OUTAGE),
            (PowerState.ON, D("10.1"), False, TicketKind.COMPLAINT),
            (PowerState.ON, D("57.3"), False, TicketKind.COMPLAINT),
            (PowerState.ALMOST_OFF, None, False, TicketKind.OUTAGE),
            (PowerState.ON_UNKNOWN, None, False, TicketKind.COMPLAINT),
            (PowerState.ON, None, False, TicketKind.COMPLAINT),
            (PowerState.ON, D("57.3"), True, TicketKind.OUTAGE),
            (PowerState.ON_UNKNOWN, None, True, TicketKind.OUTAGE),
        ],
    )
    def test_seed_table(self, power, kwh, old_key, kind):
        assert ticket_kind_for(power_state=power, remaining_kwh=kwh, old_key_token=old_key) == kind


@pytest.fixture
def agent(cast):
    return UserFactory(username="cso.uid", unit=cast.region, roles=[RoleCode.CALL_CENTRE])


class HandleTokenCallTests:
    def test_berhasil_on_a_meter_still_on_the_old_key_leads_to_gangguan(self, cast, agent):
        meter, pair = upgraded_meter(cast)
        field = field_meter(meter, pair.old)  # the KCT never reached the meter
        token = vend(meter, pair.new, kwh="20", at=datetime(2024, 6, 3, 9, 0))
        with pytest.raises(sts.TokenRejected):
            field.enter(token)
        ticket = handle_token_call(
            actor=agent,
            customer=meter.customer,
            right_token=True,
            officer_visited=True,
            power_state=PowerState.ON,
            remaining_kwh=Decimal(field.credit.get(sts.CreditType.ELECTRICITY, 0)) / 10,
            token=token,
        )
        assert ticket.kind == TicketKind.OUTAGE
        assert ticket.suggested_cause == TicketCause.KCT_FAILED
        assert ticket.call.finding == TokenFinding.NEW_KEY
        assert "kunjungan petugas" in ticket.call.diagnosis
        assert ticket.unit == cast.sp_a
        assert ticket.process.events.filter(verb="complaints.opened").exists()

    def test_token_bought_before_the_update_is_an_old_key_token(self, cast, agent):
        meter, pair = upgraded_meter(cast)
        token = vend(meter, pair.old, kwh="15", at=datetime(2024, 6, 1, 6, 19))
        ticket = handle_token_call(
            actor=agent,
            customer=meter.customer,
            right_token=True,
            officer_visited=True,
            power_state=PowerState.ON_UNKNOWN,
            token=token,
        )
        assert ticket.kind == TicketKind.OUTAGE
        assert ticket.call.old_key_token
        assert ticket.call.token_quantity == Decimal("15.0")
        assert ticket.suggested_cause == TicketCause.OLD_KEY_TOKEN

    def test_purchase_time_alone_is_compared_with_update_time(self, cast, agent):
        meter, _pair = upgraded_meter(cast)
        ticket = handle_token_call(
            actor=agent,
            customer=meter.customer,
            right_token=True,
            officer_visited=True,
            power_state=PowerState.ON,
            remaining_kwh=Decimal("40"),
            purchased_at=datetime(2024, 6, 5, tzinfo=UTC),
        )
        assert ticket.kind == TicketKind.COMPLAINT
        assert ticket.call.key_updated_at == UPGRADED_AT
        assert "human error" in ticket.call.diagnosis

    def test_sla_follows_the_kind(self, cast, agent):
        meter, _pair = upgraded_meter(cast)
        ticket = handle_token_call(
            actor=agent,
            customer=meter.customer,
            right_token=True,
            officer_visited=True,
            power_state=PowerState.OFF,
        )
        assert (ticket.due_at - ticket.process.opened_at).total_seconds() == 3 * 3600

    def test_only_the_call_centre_handles_calls(self, cast):
        meter, _pair = upgraded_meter(cast)
        with pytest.raises(NotAllowed):
            handle_token_call(
                actor=cast.supervisor,
                customer=meter.customer,
                right_token=True,
                officer_visited=True,
                power_state=PowerState.OFF,
            )


class ReplacementTokenTests:
    def test_issues_one_new_key_token_per_old_purchase(self, cast, agent):
        meter, pair = upgraded_meter(cast)
        old = vend(meter, pair.old, kwh="15", at=datetime(2024, 6, 1, 6, 19))
        ticket = handle_token_call(
            actor=agent,
            customer=meter.customer,
            right_token=True,
            officer_visited=True,
            power_state=PowerState.OFF,
            token=old,
        )
        replacement = issue_replacement_token(actor=agent, call=ticket.call)
        upgraded = field_meter(meter, pair.new)
        accepted = upgraded.enter(replacement.token)
        assert accepted.decoded.fields.quantity == Decimal("15.0")
        assert meter.customer.events.filter(verb="complaints.replacement_token").exists()
        with pytest.raises(errors.AlreadyReplaced):
            issue_replacement_token(actor=agent, call=ticket.call)

    def test_refused_for_a_new_key_token(self, cast, agent):
        meter, pair = upgraded_meter(cast)
        token = vend(meter, pair.new, kwh="5", at=datetime(2024, 6, 3))
        ticket = handle_token_call(
            actor=agent,
            customer=meter.customer,
            right_token=True,
            officer_visited=True,
            power_state=PowerState.OFF,
            token=token,
        )
        with pytest.raises(errors.NoReplacement):
            issue_replacement_token(actor=agent, call=ticket.call)


class ProbingCallTests:
    def test_old_key_meter_call_is_recorded_with_its_checklist(self, cast, agent):
        prepare_keys(cast)
        meter = old_key_meter(cast.sp_a)
        steps = probing_steps_for(cast.sp_a)
        call = record_probing_call(actor=agent, customer=meter.customer, checked=steps[:2])
        assert call.vkrn == 41
        assert meter.customer.events.filter(verb="complaints.probing_call").exists()

    def test_unit_checklist_replaces_the_default(self, cast):
        save_probing_steps(actor=cast.unit_admin, unit=cast.area_a, lines=["Satu", "", "Dua"])
        assert probing_steps_for(cast.sp_a) == ["Satu", "Dua"]
        assert probing_steps_for(cast.sp_b)[0].startswith("Tanyakan")


class TicketLifecycleTests:
    @pytest.fixture
    def ticket(self, cast, agent):
        """A gangguan ticket: right token, power off, no officer has visited yet."""
        meter, _pair = upgraded_meter(cast)
        return handle_token_call(
            actor=agent,
            customer=meter.customer,
            right_token=True,
            officer_visited=False,
            power_state=PowerState.OFF,
        )

    def test_an_officer_of_another_unit_is_refused(self, cast, ticket):
        # The one officer rule (core.services.field_officers_for) holds in the service too,
        # not only in the form's choices: a crafted POST cannot send another unit's officer.
        stranger = UserFactory(unit=cast.sp_b, roles=[RoleCode.FIELD_OFFICER])
        with pytest.raises(InvalidInput) as refused:
            assign_ticket(actor=cast.supervisor, ticket=ticket, officer=stranger)
        assert refused.value.field == "officer"
        ticket.refresh_from_db()
        assert ticket.assigned_to is None

    def test_assign_resolve_close_writes_events_and_closes_the_process(self, cast, agent, ticket):
        assign_ticket(actor=cast.supervisor, ticket=ticket, officer=cast.officer)
        resolve_ticket(
            actor=cast.officer, ticket=ticket, cause=TicketCause.KCT_FAILED, resolution="KCT ulang"
        )
        ticket = close_ticket(actor=agent, ticket=ticket)
        verbs = set(ticket.process.events.values_list("verb", flat=True))
        assert {"complaints.assigned", "complaints.resolved", "complaints.closed"} <= verbs
        ticket.process.refresh_from_db()
        assert not ticket.process.is_open and not ticket.is_overdue()

    def test_close_before_resolve_is_refused(self, cast, agent):
        meter, _pair = upgraded_meter(cast)
        ticket = handle_token_call(
            actor=agent,
            customer=meter.customer,
            right_token=True,
            officer_visited=True,
            power_state=PowerState.OFF,
        )
        with pytest.raises(errors.TicketWrongState):
            close_ticket(actor=agent, ticket=ticket)
