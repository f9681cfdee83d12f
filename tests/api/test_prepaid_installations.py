"""Prepaid installation PKs (seed 002, Bab 2 step 5) in the field app (issue #18): on the
assigned officer's work list with the meter and the tokens to enter, and the realisation sent
from the phone through the same service as the web form, once."""

import re
import threading
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from meterops.api.models import IdempotentWrite, PhotoUpload
from meterops.api.services import issue_token
from meterops.core.choices import RoleCode, TimeZoneName
from meterops.core.models import ProcessEvent, UnitSettings
from meterops.customers.choices import PaymentMode
from meterops.prepaid import services
from meterops.prepaid.choices import Product, RequestKind, RequestState, TokenKind, TokenStatus
from meterops.prepaid.models import ServiceRequest
from tests.factories import ContractorFactory, CustomerFactory, MeterFactory, UserFactory
from tests.prepaid.builders import activated, make_stock, scan

from .conftest import jpeg_bytes, upload_photo

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"^\d{4}( \d{4}){4}$")
REASON = "Pemohon membatalkan, pindah rumah"


def assign(cast, request, officer=None):
    request = services.issue_request_tokens(request=request, actor=cast.supervisor)
    return services.assign_work_order(
        request=request, officer=officer or cast.officer, actor=cast.supervisor
    )


@pytest.fixture
def pk(prepaid):
    """A Pasang Baru NFC whose PK went to the ULP's field officer: 2 KCTs and the stroom awal."""
    return assign(prepaid, activated(prepaid))


@pytest.fixture
def rival_officer(cast):
    """A field officer of another contractor working in the same area."""
    rival = ContractorFactory(code="VND-C", name="PT Vendor Gamma", units=[cast.area_a])
    return UserFactory(username="petugas.gamma", contractor=rival, roles=[RoleCode.FIELD_OFFICER])


def installations(request) -> int:
    """How many realisations the application's history holds."""
    return ProcessEvent.objects.filter(process=request.process, verb="prepaid.installed").count()


def same_moment(text: str, moment: datetime) -> bool:
    """The API writes times to the millisecond."""
    return abs((datetime.fromisoformat(text) - moment).total_seconds()) < 0.001


def prepaid_items(client) -> list[dict]:
    answer = client.get("/api/work-list")
    assert answer.status_code == 200, answer.json()
    return [i for i in answer.json()["items"] if i["kind"] == "prepaid"]


def send(client, request, *, photos=3, client_id=None, version=None, **fields):
    """The realisation as the phone sends it: BA pasang, SPJBTL, then the photo of the work."""
    payload = {
        "client_id": str(client_id or uuid.uuid4()),
        "version": (version or request.updated_at).isoformat(),
        "installed_on": timezone.localdate().isoformat(),
        "photo_ids": [upload_photo(client) for _ in range(photos)],
        **fields,
    }
    answer = client.post(
        f"/api/prepaid-requests/{request.pk}/installation", payload, content_type="application/json"
    )
    return answer, payload


def resend(client, request, payload):
    return client.post(
        f"/api/prepaid-requests/{request.pk}/installation", payload, content_type="application/json"
    )


class PrepaidWorkListTests:
    def test_an_assigned_pk_reaches_the_officers_work_list(self, api_client, pk, prepaid):
        # Issue #18: prepaid installation PKs never reached the field app.
        [item] = prepaid_items(api_client(prepaid.officer))
        assert (item["id"], item["reference"]) == (pk.pk, pk.request_number)
        assert item["title"] == "Pasang Baru (PB): pasang meter prabayar"
        assert item["state_label"] == "PK diterbitkan, menunggu pemasangan"
        assert item["customer"]["customer_id"] == pk.customer.customer_id
        assert item["customer"]["name"] == "SICILIA NFC"
        assert item["customer"]["address"] == "DK. SELATAN NO. 12"
        assert item["customer"]["meter_number"] is None  # a PB has no meter before this one
        detail = item["detail"]
        assert (detail["meter_number"], detail["meter_brand"]) == ("32031017679", "ITRON")
        assert detail["meter_model"] == "EM512 TYPE 710"
        assert detail["product_label"] == "Prabayar dua arah NFC"
        assert detail["meter_to_remove"] is None and detail["keeps_installed_meter"] is False
        assert detail["ends_on"] is None  # only a Penyambungan Sementara ends
        assert "Foto BA pasang yang sudah ditandatangani" in detail["to_record"]
        assert "Foto SPJBTL yang sudah ditandatangani" in detail["to_record"]
        assert same_moment(item["version"], pk.updated_at)
        assigned = ProcessEvent.objects.get(process=pk.process, verb="prepaid.work_order_assigned")
        assert same_moment(item["assigned_at"], assigned.at)

    def test_a_temporary_connection_tells_the_phone_when_it_ends(self, api_client, prepaid):
        """Issue #20: the phone refuses an installation date after a PS's end before queueing,
        as record_installation does; the work list carries the end date."""
        from tests.prepaid.test_temporary_connection import register

        request = register(prepaid)
        services.record_payment(
            request=request,
            amount=request.amount_due,
            channel="LOKET",
            reference=f"KW-{request.pk}",
            actor=prepaid.supervisor,
        )
        request = services.activate_meter(
            request=request,
            meter_number=prepaid.keypad_meter.meter_number,
            actor=prepaid.supervisor,
        )
        assign(prepaid, request)
        [item] = prepaid_items(api_client(prepaid.officer))
        assert item["detail"]["ends_on"] == request.ends_on.isoformat()

    def test_the_tokens_come_in_order_kcts_then_stroom_awal_in_groups_of_four(
        self,
        api_client,
        pk,
        prepaid,
    ):
        [item] = prepaid_items(api_client(prepaid.officer))
        tokens = item["detail"]["tokens"]
        issued = list(pk.tokens.order_by("sequence"))
        assert [t["kind"] for t in tokens] == [
            TokenKind.KEY_CHANGE,
            TokenKind.KEY_CHANGE,
            TokenKind.CREDIT,
        ]
        assert [t["token"] for t in tokens] == [t.display() for t in issued]
        assert all(TOKEN.match(t["token"]) for t in tokens)
        assert tokens[-1]["label"] == "Stroom awal"
        assert tokens[-1]["kwh"] == str(issued[-1].kwh)
        assert tokens[0]["kwh"] is None

    def test_nobody_but_the_assigned_officer_gets_it(self, api_client, pk, prepaid, rival_officer):
        colleague = UserFactory(
            username="petugas.lain", unit=prepaid.sp_a, roles=[RoleCode.FIELD_OFFICER]
        )
        other_unit = UserFactory(
            username="petugas.beta", unit=prepaid.sp_b, roles=[RoleCode.FIELD_OFFICER]
        )
        for user in (colleague, other_unit, rival_officer, prepaid.supervisor):
            assert prepaid_items(api_client(user)) == [], user.username

    def test_a_contractor_officer_gets_the_pk_given_to_him(
        self, api_client, prepaid, rival_officer
    ):
        vendor_officer = UserFactory(
            username="petugas.vendor",
            contractor=prepaid.contractor_a,
            roles=[RoleCode.FIELD_OFFICER],
        )
        request = assign(prepaid, activated(prepaid), officer=vendor_officer)
        [item] = prepaid_items(api_client(vendor_officer))
        assert item["id"] == request.pk
        assert prepaid_items(api_client(rival_officer)) == []

    def test_the_pk_leaves_the_list_once_installed_or_cancelled(self, api_client, pk, prepaid):
        second = assign(prepaid, activated(prepaid, meter=make_stock(prepaid.sp_a, "32031017680")))
        client = api_client(prepaid.officer)
        assert {i["id"] for i in prepaid_items(client)} == {pk.pk, second.pk}
        answer, _payload = send(client, pk)
        assert answer.status_code == 201, answer.json()
        services.cancel_request(request=second, actor=prepaid.supervisor, reason=REASON)
        assert prepaid_items(client) == []

    def test_a_migration_names_the_postpaid_meter_to_take_down(self, api_client, prepaid):
        customer = CustomerFactory(unit=prepaid.sp_a, payment_mode=PaymentMode.POSTPAID)
        MeterFactory(customer=customer, meter_number="14088888881")
        request = services.register_request(
            actor=prepaid.supervisor,
            unit=prepaid.sp_a,
            kind=RequestKind.MIGRATION,
            product=Product.PREPAID_NFC,
            tariff="R1T",
            power_va=2200,
            applicant_name=customer.name,
            address=customer.address,
            customer=customer,
        )
        services.record_payment(
            request=request,
            amount=request.amount_due,
            channel="LOKET",
            reference="KW-MIGRASI",
            actor=prepaid.supervisor,
        )
        request = services.activate_meter(
            request=request, meter_number="32031017679", actor=prepaid.supervisor
        )
        assign(prepaid, request)
        [item] = prepaid_items(api_client(prepaid.officer))
        assert item["title"] == "Migrasi Pascabayar ke Prabayar: pasang meter prabayar"
        assert item["customer"]["meter_number"] == "14088888881"
        assert item["detail"]["meter_number"] == "32031017679"
        assert item["detail"]["meter_to_remove"] == "14088888881"

    def test_the_list_costs_the_same_queries_for_more_pks(
        self,
        api_client,
        pk,
        prepaid,
    ):
        client = api_client(prepaid.officer)
        client.get("/api/work-list")  # the token's last_used_at is written on first use
        with CaptureQueriesContext(connection) as one:
            prepaid_items(client)
        for number in ("32031017681", "32031017682"):
            assign(prepaid, activated(prepaid, meter=make_stock(prepaid.sp_a, number)))
        with CaptureQueriesContext(connection) as three:
            assert len(prepaid_items(client)) == 3
        assert len(three.captured_queries) == len(one.captured_queries)


class PrepaidInstallationTests:
    def test_the_officer_records_the_installation_once(self, api_client, pk, prepaid):
        client = api_client(prepaid.officer)
        answer, payload = send(client, pk)
        assert answer.status_code == 201, answer.json()
        body = answer.json()
        assert body["state"] == RequestState.INSTALLED
        assert body["state_label"] == "Terpasang, menunggu PDL"
        assert body["tokens_entered"] == 3
        request = ServiceRequest.objects.get(pk=pk.pk)
        assert (request.installed_by, request.installed_on) == (prepaid.officer, date.today())
        assert request.report_scan.name.endswith(".jpg")
        assert request.contract_scan.name.endswith(".jpg") and request.photo
        assert set(request.tokens.values_list("status", flat=True)) == {TokenStatus.ENTERED}
        # Sent again (the answer was lost on the way): the first answer, nothing written.
        again = resend(client, pk, payload)
        assert again.status_code == 200
        assert again.json()["replayed"] is True and again.json()["id"] == pk.pk
        assert installations(pk) == 1
        assert IdempotentWrite.objects.filter(user=prepaid.officer).count() == 1
        assert PhotoUpload.objects.filter(used_at__isnull=False).count() == 3

    def test_the_web_shows_it_installed(self, api_client, client_for, pk, prepaid):
        answer, _payload = send(api_client(prepaid.officer), pk, photos=2)
        assert answer.status_code == 201, answer.json()
        page = client_for(prepaid.supervisor).get(reverse("prepaid:request_detail", args=[pk.pk]))
        html = page.content.decode()
        assert "Terpasang, menunggu PDL" in html
        assert html.count("Sudah dimasukkan ke meter") == 3
        assert "PDL (peremajaan data pelanggan)" in html

    def test_a_cancelled_application_is_refused_with_the_offices_reason(
        self,
        api_client,
        pk,
        prepaid,
    ):
        client = api_client(prepaid.officer)
        version = pk.updated_at  # the phone fetched the work list, then the office cancelled
        services.cancel_request(request=pk, actor=prepaid.supervisor, reason=REASON)
        answer, _payload = send(client, pk, version=version)
        assert answer.status_code == 409
        body = answer.json()
        assert body["code"] == "wrong_state"
        assert f"Permohonan {pk.request_number} sudah dibatalkan kantor" in body["message"]
        assert REASON in body["message"]
        request = ServiceRequest.objects.get(pk=pk.pk)
        assert request.state == RequestState.CANCELLED and not request.report_scan
        assert set(request.tokens.values_list("status", flat=True)) == {TokenStatus.VOIDED}
        assert not PhotoUpload.objects.filter(used_at__isnull=False).exists()
        assert not IdempotentWrite.objects.exists()

    def test_one_installed_elsewhere_is_refused_saying_when_and_by_whom(
        self,
        api_client,
        pk,
        prepaid,
    ):
        version = pk.updated_at
        services.record_installation(
            request=pk,
            actor=prepaid.supervisor,
            installed_on=date.today() - timedelta(days=1),
            report_scan=scan(),
            contract_scan=scan("spjbtl.pdf"),
        )
        answer, _payload = send(api_client(prepaid.officer), pk, version=version)
        assert answer.status_code == 409
        yesterday = f"{date.today() - timedelta(days=1):%d-%m-%Y}"
        assert answer.json()["message"] == (
            f"Realisasi permohonan {pk.request_number} sudah dicatat: dipasang {yesterday} "
            f"oleh {prepaid.supervisor.get_full_name()}."
        )

    def test_an_application_changed_since_the_list_answers_409_with_both(
        self,
        api_client,
        pk,
        prepaid,
    ):
        stale = pk.updated_at
        ServiceRequest.objects.filter(pk=pk.pk).update(
            phone="081234567890", updated_at=stale + timedelta(minutes=5)
        )
        answer, payload = send(api_client(prepaid.officer), pk, version=stale)
        assert answer.status_code == 409
        body = answer.json()
        assert body["code"] == "conflict"
        assert body["yours"]["installed_on"] == payload["installed_on"]
        assert body["server"]["reference"] == pk.request_number
        assert ServiceRequest.objects.get(pk=pk.pk).state == RequestState.ASSIGNED

    def test_missing_scans_name_the_field(self, api_client, pk, prepaid):
        client = api_client(prepaid.officer)
        for photos, field in ((0, "report_scan"), (1, "contract_scan")):
            answer, _payload = send(client, pk, photos=photos)
            assert answer.status_code == 422
            assert answer.json()["field"] == field
            assert "BA pasang dan SPJBTL" in answer.json()["message"]
        assert ServiceRequest.objects.get(pk=pk.pk).state == RequestState.ASSIGNED

    def test_bad_dates_and_too_many_photos_are_refused_naming_the_field(
        self,
        api_client,
        pk,
        prepaid,
    ):
        client = api_client(prepaid.officer)
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        answer, _payload = send(client, pk, installed_on=tomorrow)
        assert answer.status_code == 422
        assert answer.json()["field"] == "installed_on"
        assert answer.json()["message"] == "Tanggal pasang tidak boleh di masa depan."
        answer, _payload = send(client, pk, photos=0, installed_on="kemarin")
        assert (answer.status_code, answer.json()["field"]) == (422, "installed_on")
        answer, _payload = send(client, pk, photos=4)
        assert (answer.status_code, answer.json()["field"]) == (422, "photo_ids")
        assert ServiceRequest.objects.get(pk=pk.pk).state == RequestState.ASSIGNED

    def test_today_is_the_units_today(self, api_client, pk, prepaid):
        # 16:30 UTC is 23:30 WIB but already 01:30 the next day in a WIT unit: its officer
        # installing then enters the next day's date, which is not in the future there.
        UnitSettings.objects.create(unit=prepaid.sp_a, time_zone=TimeZoneName.WIT)
        client = api_client(prepaid.officer)
        photos = [upload_photo(client) for _ in range(2)]
        moment = datetime(2026, 12, 6, 16, 30, tzinfo=UTC)
        with freeze_time(moment):
            answer = client.post(
                f"/api/prepaid-requests/{pk.pk}/installation",
                {
                    "client_id": str(uuid.uuid4()),
                    "version": pk.updated_at.isoformat(),
                    "installed_on": "2026-12-07",
                    "photo_ids": photos,
                },
                content_type="application/json",
            )
        assert answer.status_code == 201, answer.json()
        assert ServiceRequest.objects.get(pk=pk.pk).installed_on == date(2026, 12, 7)

    def test_others_get_404_and_nothing_is_written(self, api_client, pk, prepaid, rival_officer):
        colleague = UserFactory(
            username="petugas.lain", unit=prepaid.sp_a, roles=[RoleCode.FIELD_OFFICER]
        )
        for user in (colleague, rival_officer, prepaid.outsider, prepaid.outsider_admin):
            client = api_client(user)
            answer, _payload = send(client, pk, photos=2)
            assert answer.status_code == 404, (user.username, answer.json())
        assert ServiceRequest.objects.get(pk=pk.pk).state == RequestState.ASSIGNED
        assert not IdempotentWrite.objects.exists()

    def test_a_role_without_field_or_office_work_is_refused(self, api_client, pk, prepaid):
        helpdesk = UserFactory(username="helpdesk.a", unit=prepaid.sp_a, roles=[RoleCode.HELPDESK])
        answer, _payload = send(api_client(helpdesk), pk, photos=2)
        assert answer.status_code == 404
        assert ServiceRequest.objects.get(pk=pk.pk).state == RequestState.ASSIGNED

    def test_an_office_role_may_record_it_as_on_the_web(self, api_client, pk, prepaid):
        answer, _payload = send(api_client(prepaid.supervisor), pk, photos=2)
        assert answer.status_code == 201, answer.json()
        assert ServiceRequest.objects.get(pk=pk.pk).installed_by == prepaid.supervisor

    def test_a_client_id_is_one_entry(self, api_client, pk, prepaid):
        client = api_client(prepaid.officer)
        second = assign(prepaid, activated(prepaid, meter=make_stock(prepaid.sp_a, "32031017683")))
        answer, payload = send(client, pk)
        assert answer.status_code == 201
        reused, _payload = send(client, second, client_id=payload["client_id"])
        assert reused.status_code == 422
        assert reused.json()["field"] == "client_id"
        assert ServiceRequest.objects.get(pk=second.pk).state == RequestState.ASSIGNED

    def test_a_png_is_no_scan(self, api_client, pk, prepaid):
        import io

        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (64, 64)).save(buffer, "PNG")
        client = api_client(prepaid.officer)
        photo_ids = [upload_photo(client, buffer.getvalue()), upload_photo(client, jpeg_bytes())]
        answer = client.post(
            f"/api/prepaid-requests/{pk.pk}/installation",
            {
                "client_id": str(uuid.uuid4()),
                "version": pk.updated_at.isoformat(),
                "installed_on": timezone.localdate().isoformat(),
                "photo_ids": photo_ids,
            },
            content_type="application/json",
        )
        assert answer.status_code == 422
        assert answer.json()["field"] == "report_scan"
        assert "PDF atau JPEG" in answer.json()["message"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
@pytest.mark.django_db(transaction=True)
class PrepaidInstallationRaceTests:
    """Two posts in the same moment, on PostgreSQL where writers really meet."""

    def race(self, request, entries) -> list:
        """Post each (client, payload) from its own thread, all released at once."""
        barrier = threading.Barrier(len(entries))
        answers = []

        def post(client, payload):
            barrier.wait()
            try:
                answers.append(resend(client, request, payload))
            finally:
                connection.close()

        threads = [threading.Thread(target=post, args=entry) for entry in entries]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sorted(answers, key=lambda answer: answer.status_code)

    def phone(self, officer, request) -> tuple[Client, dict]:
        """A phone of the officer with its own token, its own entry and its own photos."""
        _token, raw = issue_token(user=officer, device_name="HP")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client, {
            "client_id": str(uuid.uuid4()),
            "version": request.updated_at.isoformat(),
            "installed_on": timezone.localdate().isoformat(),
            "photo_ids": [upload_photo(client) for _ in range(2)],
        }

    def test_two_phones_at_the_same_second_make_one_installation(self, pk, prepaid):
        first, second = self.race(pk, [self.phone(prepaid.officer, pk) for _ in range(2)])
        assert (first.status_code, second.status_code) == (201, 409)
        assert "sudah dicatat" in second.json()["message"]
        assert installations(pk) == 1
        assert IdempotentWrite.objects.count() == 1

    def test_the_same_entry_twice_at_once_is_written_once(self, pk, prepaid):
        client, payload = self.phone(prepaid.officer, pk)
        first, second = self.race(pk, [(client, payload), (Client(**client.defaults), payload)])
        assert (first.status_code, second.status_code) == (200, 201)
        assert first.json()["replayed"] is True and first.json()["id"] == pk.pk
        assert installations(pk) == 1
        assert ServiceRequest.objects.get(pk=pk.pk).state == RequestState.INSTALLED
