import pytest
from django.db import connection
from django.utils import timezone

from meterops.core.models import Process, ProcessEvent
from meterops.core.services import open_process
from meterops.core.transitions import Opening, edges, move, record_process_events
from meterops.replacement.choices import TargetSource, TargetState
from meterops.replacement.models import DamageType, ReplacementTarget, target_reference
from tests.factories import CustomerFactory


@pytest.fixture
def make_target(cast):
    damage_type, _created = DamageType.objects.get_or_create(
        code="display-mati", defaults={"name": "Display mati / blank"}
    )

    def make(customer, state=TargetState.SUBMITTED):
        process = open_process(
            customer=customer,
            domain="replacement",
            kind="Target ganti meter",
            reference="",
            state=TargetState.SUBMITTED,
            state_label=str(TargetState.SUBMITTED.label),
            actor=cast.supervisor,
        )
        return ReplacementTarget.objects.create(
            process=process,
            customer=customer,
            unit_id=customer.unit_id,
            source=TargetSource.FAULT,
            damage_type=damage_type,
            state=state,
        )

    return make


class EdgesTests:
    def test_reads_sources_and_target_from_the_state_machine(self):
        sources, target = edges(ReplacementTarget.complete)
        assert sorted(sources) == sorted([TargetState.PRINTED, TargetState.ASSIGNED])
        assert target == TargetState.REPLACED


class MoveTests:
    def test_moves_only_rows_in_the_transitions_sources(self, cast, make_target):
        waiting = make_target(CustomerFactory(unit=cast.sp_a))
        dropped = make_target(CustomerFactory(unit=cast.sp_a), state=TargetState.DROPPED)
        moved = move(
            ReplacementTarget.objects.all(),
            method=ReplacementTarget.verify,
            verb="replacement.verified",
            actor=cast.supervisor,
            verified_by=cast.supervisor,
        )
        assert moved == 1
        waiting.refresh_from_db()
        dropped.refresh_from_db()
        assert (waiting.state, waiting.verified_by) == (TargetState.VERIFIED, cast.supervisor)
        assert dropped.state == TargetState.DROPPED

    def test_advances_the_process_and_writes_its_event(self, cast, make_target):
        target = make_target(CustomerFactory(unit=cast.sp_a))
        move(
            ReplacementTarget.objects.filter(pk=target.pk),
            method=ReplacementTarget.verify,
            verb="replacement.verified",
            actor=cast.supervisor,
            note="serentak",
            events=True,
            domain="replacement",
        )
        process = Process.objects.get(pk=target.process_id)
        assert (process.state, process.state_label) == (
            TargetState.VERIFIED,
            str(TargetState.VERIFIED.label),
        )
        assert process.is_open
        event = ProcessEvent.objects.get(process=process, verb="replacement.verified")
        assert (event.from_state, event.to_state) == (TargetState.SUBMITTED, TargetState.VERIFIED)
        assert event.state_label == str(TargetState.VERIFIED.label)
        assert (event.actor, event.note, event.unit_id) == (
            cast.supervisor,
            "serentak",
            target.unit_id,
        )

    def test_closes_the_process_when_asked(self, cast, make_target):
        target = make_target(CustomerFactory(unit=cast.sp_a))
        move(
            ReplacementTarget.objects.filter(pk=target.pk),
            method=ReplacementTarget.send_to_reverification,
            verb="replacement.sent_to_reverification",
            actor=cast.supervisor,
            closes=True,
        )
        process = Process.objects.get(pk=target.process_id)
        assert not process.is_open
        assert process.closed_at is not None
        assert not ProcessEvent.objects.filter(verb="replacement.sent_to_reverification").exists()

    def test_an_empty_choice_moves_nothing(self, cast):
        moved = move(
            ReplacementTarget.objects.filter(pk__in=[]),
            method=ReplacementTarget.verify,
            verb="replacement.verified",
            actor=cast.supervisor,
            events=True,
            domain="replacement",
        )
        assert moved == 0

    def test_events_need_their_domain(self, cast):
        with pytest.raises(ValueError, match="domain"):
            move(
                ReplacementTarget.objects.all(),
                method=ReplacementTarget.verify,
                verb="replacement.verified",
                actor=cast.supervisor,
                events=True,
            )


def _opening(cast) -> Opening:
    return Opening(
        domain="replacement",
        kind="Target ganti meter",
        state=TargetState.SUBMITTED,
        state_label=str(TargetState.SUBMITTED.label),
        actor=cast.supervisor,
        note="Upload #1",
        at=timezone.now(),
    )


class OpeningTests:
    def test_opens_processes_with_their_opened_event_as_open_process_does(self, cast):
        customer = CustomerFactory(unit=cast.sp_a)
        opening = _opening(cast)
        params = {**opening.params, "customer": customer.pk}
        source = "customers_customer c WHERE c.id = %(customer)s"
        with connection.cursor() as cursor:
            cursor.execute(
                opening.insert_processes(
                    source, reference="'TO-X'", customer="c.id", unit="c.unit_id"
                ),
                params,
            )
            process = Process.objects.get(customer=customer)
            cursor.execute(
                opening.insert_events(
                    "core_process p WHERE p.customer_id = %(customer)s",
                    process_id="p.id",
                    customer="p.customer_id",
                    unit="p.unit_id",
                ),
                params,
            )
        assert (process.reference, process.is_open, process.unit_id) == (
            "TO-X",
            True,
            customer.unit_id,
        )
        event = ProcessEvent.objects.get(process=process)
        assert (event.verb, event.to_state, event.actor, event.note) == (
            "replacement.opened",
            TargetState.SUBMITTED,
            cast.supervisor,
            "Upload #1",
        )

    def test_taken_is_the_one_open_process_rule(self, cast, make_target):
        busy = CustomerFactory(unit=cast.sp_a)
        make_target(busy)
        free = CustomerFactory(unit=cast.sp_a)
        opening = _opening(cast)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.id, {opening.taken('c.id')} FROM customers_customer c "  # noqa: S608
                "WHERE c.id IN (%(busy)s, %(free)s)",
                {**opening.params, "busy": busy.pk, "free": free.pk},
            )
            taken = {pk: bool(flag) for pk, flag in cursor.fetchall()}
        assert taken == {busy.pk: True, free.pk: False}


class RecordProcessEventsTests:
    def test_writes_one_event_per_process_in_its_current_state(self, cast, make_target):
        target = make_target(CustomerFactory(unit=cast.sp_a))
        with connection.cursor() as cursor:
            record_process_events(
                cursor,
                processes="SELECT process_id FROM replacement_replacementtarget WHERE id = %s",
                params=[target.pk],
                verb="replacement.updated_by_upload",
                actor=cast.supervisor,
                note="Upload #2",
                at=target.created_at,
            )
        event = ProcessEvent.objects.get(verb="replacement.updated_by_upload")
        assert (event.process_id, event.from_state, event.to_state) == (
            target.process_id,
            TargetState.SUBMITTED,
            TargetState.SUBMITTED,
        )


class TargetReferenceTests:
    def test_sql_gives_the_same_number_as_python(self, db):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {target_reference.sql('%s')}", [42])
            assert cursor.fetchone()[0] == target_reference(42) == "TO-0000042"

    def test_wider_ids_are_not_cut(self, db):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {target_reference.sql('%s')}", [123456789])
            assert cursor.fetchone()[0] == target_reference(123456789) == "TO-123456789"
