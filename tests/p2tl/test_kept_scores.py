"""The P2TL list reads scores the worker keeps (issue #23; scoring on each view took 3.8 s for a
ULP and 14.6 s for the UID at 1,000,000 customers, docs/BENCHMARKS.md)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from meterops.fieldwork.choices import InspectionFinding, OrderKind
from meterops.p2tl import services
from meterops.p2tl.models import P2tlSettings, SuspectScore, SuspectTally
from meterops.p2tl.tasks import count_suspects_task
from tests.threads import at_once

from .helpers import card_months, done_order, prepaid_customer, token_calls

LIST = reverse("p2tl:suspect_list")
EXPORT = reverse("p2tl:suspect_export")


@pytest.fixture(autouse=True)
def database_queue(settings):
    """Counts wait in the database queue, as with a worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def queued_counts() -> int:
    return DBTaskResult.objects.filter(task_path__endswith="count_suspects_task").count()


def listed(client, unit=None):
    response = client.get(LIST, {"unit": unit.pk} if unit else {})
    assert response.status_code == 200
    return response, [(row.customer.pk, row.score) for row in response.context["page"]]


def age(minutes: int) -> None:
    SuspectTally.objects.update(counted_at=timezone.now() - timedelta(minutes=minutes))


@pytest.mark.django_db
class KeptScoreTests:
    def test_the_list_reads_the_kept_scores_not_the_rules(self, cast, client_for):
        tampered = prepaid_customer(cast.sp_a)
        card_months(tampered, tamper=(0,))
        assert services.count_suspects() == 1
        caller = prepaid_customer(cast.sp_a)
        token_calls(caller, 3)  # after the count: listed at the next one
        with CaptureQueriesContext(connection) as queries:
            response, rows = listed(client_for(cast.supervisor))
        assert rows == [(tampered.pk, 30)]
        assert not [q for q in queries if "UNION ALL" in q["sql"]]
        counted = SuspectTally.objects.get(unit=cast.sp_a).counted_at
        html = response.content.decode()
        assert f"Skor dihitung {timezone.localtime(counted):%d-%m-%Y %H:%M}" in html
        assert queued_counts() == 0  # fresh: nothing to do

        services.count_suspects()
        assert listed(client_for(cast.supervisor))[1] == [(tampered.pk, 30), (caller.pk, 15)]

    def test_each_unit_is_scored_with_its_own_weights(self, cast, client_for):
        """A UP3's list spans ULPs with different settings: each customer carries its own
        unit's score (the live list used the selected unit's weights for all)."""
        in_a = prepaid_customer(cast.sp_a)
        card_months(in_a, tamper=(0,))
        in_a2 = prepaid_customer(cast.sp_a2)
        card_months(in_a2, tamper=(0,))
        P2tlSettings.objects.create(unit=cast.sp_a2, weight_tamper=70)
        services.count_suspects()
        _response, rows = listed(client_for(cast.unit_admin), cast.area_a)
        assert rows == [(in_a2.pk, 70), (in_a.pk, 30)]

    def test_an_inspection_that_found_nothing_clears_at_once(self, cast, client_for):
        customer = prepaid_customer(cast.sp_a)
        card_months(customer, tamper=(0,))
        services.count_suspects()
        done_order(
            customer,
            OrderKind.P2TL_INSPECTION,
            days_ago=1,
            inspection_finding=InspectionFinding.NONE,
        )
        assert listed(client_for(cast.supervisor))[1] == []

    def test_an_inspection_before_the_cleared_months_clears_nothing(self, cast, client_for):
        customer = prepaid_customer(cast.sp_a)
        card_months(customer, tamper=(0,))
        done_order(
            customer,
            OrderKind.P2TL_INSPECTION,
            days_ago=31 * 6 + 5,
            inspection_finding=InspectionFinding.NONE,
        )
        services.count_suspects()
        assert listed(client_for(cast.supervisor))[1] == [(customer.pk, 30)]

    def test_a_stale_count_is_queued_and_run_once(self, cast, client_for):
        customer = prepaid_customer(cast.sp_a)
        card_months(customer, tamper=(0,))
        services.count_suspects()
        token_calls(customer, 2)
        age(minutes=61)
        listed(client_for(cast.supervisor))
        client_for(cast.supervisor).get(EXPORT)
        assert queued_counts() == 2

        assert count_suspects_task.call() == 1
        assert count_suspects_task.call() == 0  # the second finds it just counted
        assert listed(client_for(cast.supervisor))[1] == [(customer.pk, 45)]

    def test_before_the_first_count_the_list_is_scored_live(self, cast, client_for):
        customer = prepaid_customer(cast.sp_a)
        card_months(customer, tamper=(0,))
        response, rows = listed(client_for(cast.supervisor))
        assert rows == [(customer.pk, 30)]
        assert "Skor dihitung saat ini." in response.content.decode()
        assert queued_counts() == 1

    def test_new_weights_rescore_the_unit(
        self, cast, client_for, django_capture_on_commit_callbacks
    ):
        customer = prepaid_customer(cast.sp_a)
        card_months(customer, tamper=(0,))
        services.count_suspects()
        with django_capture_on_commit_callbacks(execute=True):
            services.update_p2tl_settings(
                actor=cast.unit_admin, unit=cast.sp_a, values={"weight_tamper": 55}
            )
        [job] = DBTaskResult.objects.filter(task_path__endswith="count_suspects_task")
        assert job.args_kwargs["args"] == [cast.sp_a.pk, True]
        assert count_suspects_task.call(cast.sp_a.pk, True) == 1
        assert listed(client_for(cast.supervisor))[1] == [(customer.pk, 55)]

    def test_another_unit_gets_nothing(self, cast, client_for):
        customer = prepaid_customer(cast.sp_a)
        card_months(customer, tamper=(0,))
        services.count_suspects()
        assert SuspectScore.objects.filter(customer=customer).exists()
        assert listed(client_for(cast.outsider))[1] == []
        outsider = client_for(cast.outsider)
        assert outsider.get(LIST, {"unit": cast.sp_a.pk}).status_code == 404
        assert client_for(cast.vendor_a).get(LIST).status_code in (403, 404)

    def test_a_customer_moved_to_another_unit_is_listed_there_once(self, cast):
        customer = prepaid_customer(cast.sp_a)
        card_months(customer, tamper=(0,))
        services.count_suspects()
        customer.unit = cast.sp_a2
        customer.save()
        services.count_suspects(cast.sp_a2.pk)
        assert list(SuspectScore.objects.values_list("customer_id", "unit_id")) == [
            (customer.pk, cast.sp_a2.pk)
        ]

    def test_a_count_that_fails_keeps_the_last_one_whole(self, cast):
        customer = prepaid_customer(cast.sp_a)
        card_months(customer, tamper=(0,))
        services.count_suspects()
        counted = SuspectTally.objects.get(unit=cast.sp_a).counted_at
        token_calls(customer, 2)
        with (
            mock.patch.object(services.tallies, "store", side_effect=RuntimeError("killed")),
            pytest.raises(RuntimeError),
        ):
            services.count_suspects_of(cast.sp_a)
        assert list(SuspectScore.objects.values_list("customer_id", "score")) == [(customer.pk, 30)]
        assert SuspectTally.objects.get(unit=cast.sp_a).counted_at == counted


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_two_counts_of_one_unit_at_once_keep_one_row_per_customer(cast):
    customers = [prepaid_customer(cast.sp_a) for _ in range(3)]
    for customer in customers:
        card_months(customer, tamper=(0,))

    def count():
        services.count_suspects_of(cast.sp_a)

    assert at_once(count, count) == []
    assert sorted(SuspectScore.objects.values_list("customer_id", flat=True)) == sorted(
        c.pk for c in customers
    )
    assert SuspectTally.objects.get(unit=cast.sp_a).suspects == 3
