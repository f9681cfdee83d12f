"""The work list asked again (issue #22): its ETag, the 304 without a body, the delta since."""

from datetime import timedelta

import pytest
from django.utils import timezone

from meterops.core.choices import RoleCode
from meterops.core.worklist import SINCE_OVERLAP, WorkQuery
from meterops.replacement import services as replacement
from meterops.replacement.models import ReplacementTarget, WorkOrder
from tests.factories import CustomerFactory, MeterFactory, UserFactory

from .conftest import hand_over

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_officer(cast):
    return UserFactory(
        username="petugas.vendor2", contractor=cast.contractor_a, roles=[RoleCode.FIELD_OFFICER]
    )


@pytest.fixture
def new_order(cast, make_target):
    """Hands a new PK of ULP A to an officer."""
    made = iter(range(10, 99))

    def make(officer):
        customer = CustomerFactory(unit=cast.sp_a)
        MeterFactory(customer=customer, meter_number=f"460000000{next(made)}")
        return hand_over(cast, make_target(customer), officer)

    return make


def _etag(client, **headers):
    answer = client.get("/api/work-list", **headers)
    assert answer.status_code == 200, answer.content
    return answer["ETag"]


def _touch(target):
    """A change of the target, later than any before (the clock may not move in a test)."""
    later = timezone.now() + timedelta(seconds=5)
    ReplacementTarget.objects.filter(pk=target.pk).update(updated_at=later)


class ETagTests:
    def test_it_is_stable_while_nothing_changes(self, api_client, work_order):
        client = api_client(work_order.assigned_to)
        assert _etag(client) == _etag(client)

    def test_an_unchanged_list_answers_304_without_a_body(self, api_client, work_order):
        client = api_client(work_order.assigned_to)
        etag = _etag(client)
        answer = client.get("/api/work-list", HTTP_IF_NONE_MATCH=etag)
        assert answer.status_code == 304
        assert answer.content == b""
        assert answer["ETag"] == etag

    def test_a_gzipped_weak_validator_matches_too(self, api_client, work_order):
        client = api_client(work_order.assigned_to)
        etag = _etag(client)
        answer = client.get("/api/work-list", HTTP_IF_NONE_MATCH=f'"other", W/{etag}')
        assert answer.status_code == 304

    def test_it_changes_when_an_item_is_added(self, api_client, work_order, new_order):
        client = api_client(work_order.assigned_to)
        etag = _etag(client)
        new_order(work_order.assigned_to)
        answer = client.get("/api/work-list", HTTP_IF_NONE_MATCH=etag)
        assert answer.status_code == 200
        assert answer["ETag"] != etag
        assert len(answer.json()["items"]) == 2

    def test_it_changes_when_an_items_version_changes(self, api_client, work_order):
        client = api_client(work_order.assigned_to)
        etag = _etag(client)
        _touch(work_order.target)
        assert client.get("/api/work-list", HTTP_IF_NONE_MATCH=etag).status_code == 200

    def test_it_changes_when_one_leaves_and_another_arrives(
        self, api_client, work_order, new_order, second_officer
    ):
        officer = work_order.assigned_to
        other = new_order(second_officer)
        client = api_client(officer)
        etag = _etag(client)
        # A swap behind the services' back: same count, no newer time, only the ids differ.
        WorkOrder.objects.filter(pk=work_order.pk).update(assigned_to=second_officer)
        WorkOrder.objects.filter(pk=other.pk).update(assigned_to=officer)
        answer = client.get("/api/work-list", HTTP_IF_NONE_MATCH=etag)
        assert answer.status_code == 200
        assert [i["id"] for i in answer.json()["items"]] == [other.pk]

    def test_it_differs_between_officers_with_the_same_list(
        self, api_client, cast, field_officer, second_officer
    ):
        mine = _etag(api_client(field_officer))
        theirs = api_client(second_officer).get("/api/work-list", HTTP_IF_NONE_MATCH=mine)
        assert theirs.status_code == 200
        assert theirs["ETag"] != mine

    def test_a_stale_etag_after_reassignment_gets_the_new_list(
        self, api_client, cast, work_order, second_officer
    ):
        client = api_client(work_order.assigned_to)
        etag = _etag(client)
        replacement.assign_work_orders(
            work_orders=[work_order], officer=second_officer, actor=cast.supervisor
        )
        answer = client.get("/api/work-list", HTTP_IF_NONE_MATCH=etag)
        assert answer.status_code == 200
        assert answer.json()["items"] == []

    def test_a_304_asked_again_compiles_no_source_filter(self, api_client, work_order, monkeypatch):
        """The validator's statement is compiled once per officer, roles and units."""
        client = api_client(work_order.assigned_to)
        etag = _etag(client)
        compiled = []
        fingerprint = WorkQuery.fingerprint
        monkeypatch.setattr(
            WorkQuery,
            "fingerprint",
            lambda query, *args: compiled.append(query.kind) or fingerprint(query, *args),
        )
        assert client.get("/api/work-list", HTTP_IF_NONE_MATCH=etag).status_code == 304
        assert compiled == []
        _touch(work_order.target)
        assert client.get("/api/work-list", HTTP_IF_NONE_MATCH=etag).status_code == 200

    def test_an_officer_taken_out_of_his_units_gets_the_empty_list_at_once(
        self, api_client, work_order
    ):
        officer = work_order.assigned_to
        client = api_client(officer)
        etag = _etag(client)
        assert client.get("/api/work-list", HTTP_IF_NONE_MATCH=etag).status_code == 304
        officer.placed_units.clear()
        answer = client.get("/api/work-list", HTTP_IF_NONE_MATCH=etag)
        assert answer.status_code == 200 and answer.json()["items"] == []

    def test_the_304_path_runs_few_queries_however_long_the_list(
        self, api_client, work_order, new_order, django_assert_max_num_queries
    ):
        for _ in range(5):
            new_order(work_order.assigned_to)
        client = api_client(work_order.assigned_to)
        etag = _etag(client)
        # What every request reads, once each (the token with the officer's home unit, the
        # units he sees, his roles; the home unit's time zone is kept by the process) and one
        # statement for every work source's aggregate: nothing per item, no customer (issue
        # #22: 13 before, 6 before the zone was kept).
        with django_assert_max_num_queries(4):
            assert client.get("/api/work-list", HTTP_IF_NONE_MATCH=etag).status_code == 304


class OneStatementTests:
    """Since issue #22 every source's aggregate is one branch of one statement."""

    def test_a_reread_sent_back_and_read_again_changes_it(self, api_client, field_officer, cast):
        from meterops.reading.choices import ReadingState
        from meterops.reading.models import Reading
        from tests.reading.helpers import WIB, make_customer, make_day, make_reading, make_route

        client = api_client(field_officer)
        empty = _etag(client)
        period = f"{timezone.now().astimezone(WIB):%Y%m}"
        customer = make_customer(make_route(make_day(cast.sp_a)), sequence=3)
        reading = make_reading(
            customer, period=period, register="1200", state=ReadingState.REREAD_REQUESTED
        )
        sent_back = _etag(client, HTTP_IF_NONE_MATCH=empty)
        assert sent_back != empty
        assert client.get("/api/work-list", HTTP_IF_NONE_MATCH=sent_back).status_code == 304
        Reading.objects.filter(pk=reading.pk).update(state=ReadingState.READ)
        assert _etag(client, HTTP_IF_NONE_MATCH=sent_back) == empty

    def test_an_officer_who_sees_nothing_still_gets_a_304(
        self, api_client, cast, work_order, django_assert_max_num_queries
    ):
        from tests.factories import UserFactory

        unplaced = UserFactory(
            username="petugas.tanpa.unit",
            contractor=cast.contractor_a,
            placed_units=[],
            roles=[RoleCode.FIELD_OFFICER],
        )
        client = api_client(unplaced)
        answer = client.get("/api/work-list")
        assert answer.json()["items"] == []
        # Every source is none() for him: no aggregate is sent at all.
        with django_assert_max_num_queries(3):
            again = client.get("/api/work-list", HTTP_IF_NONE_MATCH=answer["ETag"])
        assert again.status_code == 304


class DeltaTests:
    def test_since_answers_only_changed_items_and_every_id(self, api_client, work_order, new_order):
        client = api_client(work_order.assigned_to)
        first = client.get("/api/work-list").json()
        assert first["ids"] is None
        an_hour_ago = timezone.now() - timedelta(hours=1)
        WorkOrder.objects.filter(pk=work_order.pk).update(updated_at=an_hour_ago)
        ReplacementTarget.objects.filter(pk=work_order.target.pk).update(updated_at=an_hour_ago)
        second = new_order(work_order.assigned_to)
        since = timezone.now() - SINCE_OVERLAP * 5
        data = client.get("/api/work-list", {"since": since.isoformat()}).json()
        assert [i["id"] for i in data["items"]] == [second.pk]
        assert data["ids"] == sorted([f"replacement:{work_order.pk}", f"replacement:{second.pk}"])
        assert data["since"] is not None

    def test_an_item_gone_is_missing_from_the_ids(
        self, api_client, cast, work_order, second_officer
    ):
        client = api_client(work_order.assigned_to)
        generated_at = client.get("/api/work-list").json()["generated_at"]
        replacement.assign_work_orders(
            work_orders=[work_order], officer=second_officer, actor=cast.supervisor
        )
        data = client.get("/api/work-list", {"since": generated_at}).json()
        assert data["items"] == []
        assert data["ids"] == []

    def test_the_delta_asks_every_sources_ids_in_one_statement(
        self, api_client, work_order, new_order
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for _ in range(3):
            new_order(work_order.assigned_to)
        client = api_client(work_order.assigned_to)
        since = (timezone.now() - timedelta(days=1)).isoformat()
        client.get("/api/work-list")
        with CaptureQueriesContext(connection) as whole:
            assert len(client.get("/api/work-list").json()["items"]) == 4
        with CaptureQueriesContext(connection) as delta:
            data = client.get("/api/work-list", {"since": since}).json()
        assert len(data["items"]) == 4
        assert len(data["ids"]) == 4
        # The same items, and one statement more: every source's ids (issue #22).
        assert len(delta) == len(whole) + 1

    def test_another_officers_items_never_appear(
        self, api_client, work_order, other_contractor_order
    ):
        client = api_client(work_order.assigned_to)
        since = (timezone.now() - timedelta(days=1)).isoformat()
        data = client.get("/api/work-list", {"since": since}).json()
        assert [i["id"] for i in data["items"]] == [work_order.pk]
        assert data["ids"] == [f"replacement:{work_order.pk}"]

    def test_a_bad_since_is_422_naming_the_field(self, api_client, work_order):
        answer = api_client(work_order.assigned_to).get("/api/work-list", {"since": "kemarin"})
        assert answer.status_code == 422
        body = answer.json()
        assert body["field"] == "since"
        assert "ISO 8601" in body["message"]

    def test_without_since_the_whole_list_as_before(self, api_client, work_order):
        data = api_client(work_order.assigned_to).get("/api/work-list").json()
        assert [i["id"] for i in data["items"]] == [work_order.pk]
        assert data["since"] is None


class FieldOrderDeltaTests:
    def test_a_paid_arrears_reaches_the_delta_of_its_disconnection_order(self, api_client, cast):
        from meterops.fieldwork.models import Arrears, FieldOrder
        from tests.fieldwork.helpers import disconnection_order

        order = disconnection_order(cast)
        an_hour_ago = timezone.now() - timedelta(hours=1)
        FieldOrder.objects.filter(pk=order.pk).update(updated_at=an_hour_ago)
        Arrears.objects.filter(pk=order.arrears_id).update(updated_at=an_hour_ago)
        client = api_client(cast.officer)
        held = client.get("/api/work-list")
        since = (timezone.now() - SINCE_OVERLAP * 5).isoformat()
        assert client.get("/api/work-list", {"since": since}).json()["items"] == []

        Arrears.objects.filter(pk=order.arrears_id).update(
            paid_at=timezone.now(), updated_at=timezone.now()
        )
        answer = client.get("/api/work-list", {"since": since}, HTTP_IF_NONE_MATCH=held["ETag"])
        assert answer.status_code == 200
        data = answer.json()
        [item] = data["items"]
        assert item["detail"]["arrears_paid_at"] is not None
        assert data["ids"] == [f"fieldwork.disconnection:{order.pk}"]


class SharedFilterTests:
    def test_the_ids_name_exactly_the_items_of_the_list(self, cast, work_order, field_officer):
        from meterops.core.worklist import work_list_for, work_list_ids
        from meterops.fieldwork.choices import OrderKind
        from meterops.fieldwork.models import FieldOrder
        from meterops.fieldwork.services import assign_orders

        order = FieldOrder.objects.create(
            unit=cast.sp_a,
            customer=work_order.target.customer,
            kind=OrderKind.NOTICE,
            issued_by=cast.supervisor,
        )
        assign_orders(
            actor=cast.supervisor,
            orders=FieldOrder.objects.filter(pk=order.pk),
            officer=field_officer,
        )
        listed = sorted(f"{item.kind}:{item.id}" for item in work_list_for(field_officer))
        assert listed == work_list_ids(field_officer)
        assert listed == sorted([f"replacement:{work_order.pk}", f"fieldwork.notice:{order.pk}"])
