import pytest
from django.db import IntegrityError, transaction

from meterops.core.errors import OpenProcessExists
from meterops.core.models import Process, ProcessEvent
from meterops.core.services import advance_process, ensure_no_open_process, open_process


def _open(customer, actor, domain="replacement"):
    return open_process(
        customer=customer,
        domain=domain,
        kind="Target ganti meter",
        reference="TO-0001",
        state="submitted",
        state_label="Diajukan",
        actor=actor,
    )


class EnsureNoOpenProcessTests:
    def test_passes_when_customer_has_no_process(self, customer_a):
        ensure_no_open_process(customer=customer_a, domain="replacement")

    def test_refuses_and_names_the_open_process(self, cast, customer_a):
        _open(customer_a, cast.supervisor)
        with pytest.raises(OpenProcessExists) as error:
            ensure_no_open_process(customer=customer_a, domain="replacement")
        message = str(error.value.message)
        assert customer_a.customer_id in message
        assert "TO-0001" in message
        assert "Diajukan" in message

    def test_other_domain_does_not_block_unless_any_domain_asked(self, cast, customer_a):
        _open(customer_a, cast.supervisor, domain="prepaid")
        ensure_no_open_process(customer=customer_a, domain="replacement")
        with pytest.raises(OpenProcessExists):
            ensure_no_open_process(customer=customer_a)

    def test_closed_process_no_longer_blocks(self, cast, customer_a):
        process = _open(customer_a, cast.supervisor)
        advance_process(
            process=process,
            to_state="done",
            verb="replacement.done",
            actor=cast.supervisor,
            closes=True,
        )
        ensure_no_open_process(customer=customer_a, domain="replacement")


class OpenProcessTests:
    def test_writes_opening_event(self, cast, customer_a):
        process = _open(customer_a, cast.supervisor)
        event = ProcessEvent.objects.get(process=process)
        assert event.actor == cast.supervisor
        assert event.to_state == "submitted"
        assert event.unit == customer_a.unit

    def test_second_open_process_is_refused(self, cast, customer_a):
        _open(customer_a, cast.supervisor)
        with pytest.raises(OpenProcessExists):
            _open(customer_a, cast.supervisor)
        assert Process.objects.filter(customer=customer_a).count() == 1

    def test_database_holds_the_rule_too(self, cast, customer_a):
        _open(customer_a, cast.supervisor)
        with pytest.raises(IntegrityError), transaction.atomic():
            Process.objects.create(
                customer=customer_a, unit=customer_a.unit, domain="replacement", kind="x", state="s"
            )


class AdvanceProcessTests:
    def test_records_from_and_to_state(self, cast, customer_a):
        process = _open(customer_a, cast.supervisor)
        event = advance_process(
            process=process,
            to_state="verified",
            state_label="Terverifikasi",
            verb="replacement.verified",
            actor=cast.supervisor,
            note="ok",
        )
        assert (event.from_state, event.to_state, event.note) == ("submitted", "verified", "ok")
        process.refresh_from_db()
        assert process.is_open and process.state_label == "Terverifikasi"

    def test_closing_sets_closed_time(self, cast, customer_a):
        process = _open(customer_a, cast.supervisor)
        advance_process(process=process, to_state="done", verb="x", actor=None, closes=True)
        process.refresh_from_db()
        assert not process.is_open and process.closed_at is not None
