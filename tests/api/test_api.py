"""The device API: tokens, scoping, idempotent writes, the 409 conflict, bad input."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from meterops.api.models import DeviceToken, IdempotentWrite, PhotoUpload
from meterops.api.services import issue_token, user_for_token
from meterops.core.choices import TimeZoneName
from meterops.core.models import UnitSettings, unit_time_zone
from meterops.replacement.choices import TargetState
from meterops.replacement.models import Replacement, ReplacementTarget
from tests.core.image_files import files_in_media, huge_png_bytes
from tests.factories import TEST_PASSWORD

from .conftest import jpeg_bytes, upload_photo

pytestmark = pytest.mark.django_db


def _replacement_payload(order, photo_ids, **changes):
    payload = {
        "client_id": str(uuid.uuid4()),
        "work_order_id": order.pk,
        "version": order.target.updated_at.isoformat(),
        "new_meter_brand": "itron",
        "new_meter_number": "56000000123",
        "new_initial_reading": "0.00",
        "old_final_reading": "1520.00",
        "replaced_on": timezone.localdate().isoformat(),
        "photo_ids": photo_ids,
    }
    return payload | changes


class LoginTests:
    def test_login_issues_a_hashed_expiring_token(self, client, cast):
        answer = client.post(
            "/api/auth/login",
            {"username": "petugas.a", "password": TEST_PASSWORD},
            content_type="application/json",
        )
        assert answer.status_code == 200
        raw = answer.json()["token"]
        token = DeviceToken.objects.get(user=cast.officer)
        assert token.key_hash != raw and raw not in token.key_hash
        assert token.expires_at > timezone.now() + timedelta(days=7)
        me = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert me.json()["username"] == "petugas.a"

    def test_a_password_change_ends_the_other_phones_tokens(self, client, cast):
        def login(device):
            answer = client.post(
                "/api/auth/login",
                {"username": "petugas.a", "password": TEST_PASSWORD, "device_name": device},
                content_type="application/json",
            )
            return {"HTTP_AUTHORIZATION": f"Bearer {answer.json()['token']}"}

        this_phone, other_phone = login("HP 1"), login("HP 2")
        changed = client.post(
            "/api/me/password",
            {"old_password": TEST_PASSWORD, "new_password": "Meteran-Baru-2026"},
            content_type="application/json",
            **this_phone,
        )
        assert changed.status_code == 200
        assert client.get("/api/me", **this_phone).status_code == 200
        assert client.get("/api/me", **other_phone).status_code == 401
        cast.officer.refresh_from_db()
        cast.officer.set_password("Lagi-Baru-2026!")  # changed on the web
        cast.officer.save()
        assert client.get("/api/me", **this_phone).status_code == 401

    def test_wrong_password_is_401(self, client, cast):
        answer = client.post(
            "/api/auth/login",
            {"username": "petugas.a", "password": "salah"},
            content_type="application/json",
        )
        assert answer.status_code == 401

    def test_revoked_and_expired_tokens_are_refused(self, api_client, cast):
        client = api_client(cast.officer)
        assert client.get("/api/me").status_code == 200
        token = DeviceToken.objects.get(user=cast.officer)
        token.revoked_at = timezone.now()
        token.save()
        assert client.get("/api/me").status_code == 401
        token.revoked_at = None
        token.expires_at = timezone.now() - timedelta(seconds=1)
        token.save()
        assert client.get("/api/me").status_code == 401

    def test_logout_revokes_the_token(self, api_client, cast):
        client = api_client(cast.officer)
        assert client.post("/api/auth/logout").status_code == 200
        assert client.get("/api/me").status_code == 401

    def test_no_token_is_401(self, client, cast):
        assert client.get("/api/work-list").status_code == 401

    def test_the_token_brings_a_contractors_home_unit_for_the_time_zone(
        self, cast, django_assert_num_queries
    ):
        """Issue #22: the officer's first placement comes with his token, his unit's zone from
        the process: activating the zone costs no query of its own."""
        UnitSettings.objects.create(unit=cast.area_a, time_zone=TimeZoneName.WITA)
        _token, raw = issue_token(user=cast.vendor_a, device_name="HP")
        assert unit_time_zone(cast.area_a.pk) == TimeZoneName.WITA
        with django_assert_num_queries(2):  # the token, and when it was last used
            officer = user_for_token(raw)
        with django_assert_num_queries(0):
            assert officer.display_time_zone() == TimeZoneName.WITA
        officer.placed_units.set([cast.sp_a2, cast.area_a])  # area_a's path still comes first
        assert user_for_token(raw).home_unit_pk() == cast.area_a.pk
        officer.placed_units.set([cast.sp_a2])
        assert user_for_token(raw).home_unit_pk() == cast.sp_a2.pk
        officer.placed_units.clear()
        assert user_for_token(raw).display_time_zone() == settings.TIME_ZONE


class WorkListTests:
    def test_officer_sees_own_work_orders_with_customer(self, api_client, work_order):
        data = api_client(work_order.assigned_to).get("/api/work-list").json()
        [item] = data["items"]
        assert item["kind"] == "replacement"
        assert item["reference"] == work_order.number
        assert item["customer"]["meter_number"] == "45000000001"

    def test_officer_never_sees_another_contractors_orders(
        self, api_client, work_order, other_contractor_order
    ):
        client = api_client(work_order.assigned_to)
        numbers = [i["reference"] for i in client.get("/api/work-list").json()["items"]]
        assert numbers == [work_order.number]
        listed = client.get("/api/work-orders").json()
        assert other_contractor_order.number not in [row["number"] for row in listed]

    def test_contractor_admin_does_not_see_rival_contractors_orders(
        self, api_client, cast, work_order, other_contractor_order
    ):
        listed = api_client(cast.vendor_a).get("/api/work-orders").json()
        numbers = [row["number"] for row in listed]
        assert work_order.number in numbers
        assert other_contractor_order.number not in numbers

    def test_customer_of_another_unit_is_404(self, api_client, cast, customer_b):
        answer = api_client(cast.officer).get(f"/api/customers/{customer_b.customer_id}")
        assert answer.status_code == 404

    def test_customer_status_shows_open_process(self, api_client, cast, work_order):
        customer = work_order.target.customer
        data = api_client(cast.officer).get(f"/api/customers/{customer.customer_id}").json()
        assert data["customer"]["name"] == customer.name
        assert data["open_processes"][0]["reference"] == work_order.target.reference

    def test_contacts_come_from_unit_settings(self, api_client, cast):
        from meterops.core.models import UnitSettings

        UnitSettings.objects.create(unit=cast.area_a, contact_phone="0221234567")
        data = api_client(cast.officer).get("/api/contacts").json()
        assert data["phone"] == "0221234567"


class DamageReportTests:
    def _payload(self, customer, photo_ids, **changes):
        return {
            "client_id": str(uuid.uuid4()),
            "customer_id": customer.customer_id,
            "damage_type": "display-mati",
            "reading_at_discovery": "1200.50",
            "latitude": "-6.914744",
            "longitude": "107.609810",
            "observed_at": (timezone.now() - timedelta(hours=2)).isoformat(),
            "photo_ids": photo_ids,
        } | changes

    def test_report_creates_target_with_phone_time_and_gps(
        self, api_client, field_officer, customer, damage_type
    ):
        client = api_client(field_officer)
        payload = self._payload(customer, [upload_photo(client)])
        answer = client.post("/api/damage-reports", payload, content_type="application/json")
        assert answer.status_code == 201, answer.json()
        target = ReplacementTarget.objects.get(pk=answer.json()["id"])
        assert target.state == TargetState.SUBMITTED
        assert str(target.latitude) == "-6.914744"
        assert timezone.now() - target.reported_at > timedelta(hours=1)
        assert target.photos.count() == 1

    def test_resend_returns_first_result_and_writes_once(
        self, api_client, field_officer, customer, damage_type
    ):
        client = api_client(field_officer)
        payload = self._payload(customer, [upload_photo(client)])
        first = client.post("/api/damage-reports", payload, content_type="application/json")
        again = client.post("/api/damage-reports", payload, content_type="application/json")
        assert first.status_code == 201 and again.status_code == 200
        assert again.json()["id"] == first.json()["id"]
        assert again.json()["replayed"] is True
        assert ReplacementTarget.objects.filter(customer=customer).count() == 1
        assert IdempotentWrite.objects.count() == 1

    def test_refused_write_is_not_stored_so_it_can_be_retried(
        self, api_client, field_officer, customer, damage_type
    ):
        client = api_client(field_officer)
        payload = self._payload(customer, [upload_photo(client)], damage_type="tidak-ada")
        answer = client.post("/api/damage-reports", payload, content_type="application/json")
        assert answer.status_code == 422
        assert answer.json()["field"] == "damage_type"
        assert not IdempotentWrite.objects.exists()

    def test_customer_of_another_unit_is_refused_naming_the_field(
        self, api_client, field_officer, customer_b, damage_type
    ):
        client = api_client(field_officer)
        payload = self._payload(customer_b, [upload_photo(client)])
        answer = client.post("/api/damage-reports", payload, content_type="application/json")
        assert answer.status_code == 422
        assert answer.json()["field"] == "customer_id"
        assert not ReplacementTarget.objects.exists()

    def test_missing_field_is_422_naming_it(self, api_client, field_officer, customer):
        client = api_client(field_officer)
        payload = self._payload(customer, [1])
        del payload["customer_id"]
        answer = client.post("/api/damage-reports", payload, content_type="application/json")
        assert answer.status_code == 422
        assert answer.json()["field"] == "customer_id"

    def test_wrong_type_is_422_naming_it(self, api_client, field_officer, customer):
        client = api_client(field_officer)
        payload = self._payload(customer, [1], reading_at_discovery="banyak")
        answer = client.post("/api/damage-reports", payload, content_type="application/json")
        assert answer.status_code == 422
        assert answer.json()["field"] == "reading_at_discovery"

    def test_photo_not_uploaded_is_422(self, api_client, field_officer, customer, damage_type):
        client = api_client(field_officer)
        answer = client.post(
            "/api/damage-reports", self._payload(customer, [999]), content_type="application/json"
        )
        assert answer.status_code == 422
        assert answer.json()["field"] == "photo_ids"

    def test_malformed_json_is_4xx(self, api_client, field_officer):
        client = api_client(field_officer)
        answer = client.post("/api/damage-reports", "{nope", content_type="application/json")
        assert 400 <= answer.status_code < 500


class ReplacementTests:
    def test_replacement_completes_the_work_order_once(self, api_client, work_order):
        client = api_client(work_order.assigned_to)
        payload = _replacement_payload(work_order, [upload_photo(client), upload_photo(client)])
        first = client.post("/api/replacements", payload, content_type="application/json")
        assert first.status_code == 201, first.json()
        again = client.post("/api/replacements", payload, content_type="application/json")
        assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
        assert Replacement.objects.count() == 1
        work_order.target.refresh_from_db()
        assert work_order.target.state == TargetState.REPLACED

    def test_the_new_meters_vkrn_is_checked_by_name(self, api_client, work_order):
        """The customer here is postpaid: a VKRN is refused naming the field; an unknown VKRN
        is refused by the schema; nothing is recorded."""
        client = api_client(work_order.assigned_to)
        photos = [upload_photo(client), upload_photo(client)]
        for vkrn in (43, 44):
            payload = _replacement_payload(work_order, photos, new_meter_vkrn=vkrn)
            answer = client.post("/api/replacements", payload, content_type="application/json")
            assert answer.status_code == 422, answer.json()
            assert "new_meter_vkrn" in str(answer.json())
        assert not Replacement.objects.exists()

    def test_changed_record_is_409_with_both_versions(self, api_client, cast, work_order):
        client = api_client(work_order.assigned_to)
        payload = _replacement_payload(work_order, [upload_photo(client), upload_photo(client)])
        # The supervisor hands the PK again after the app fetched it: the target changed.
        from meterops.replacement.services import assign_work_orders

        assign_work_orders(
            work_orders=[work_order], officer=work_order.assigned_to, actor=cast.supervisor
        )
        answer = client.post("/api/replacements", payload, content_type="application/json")
        assert answer.status_code == 409
        body = answer.json()
        assert body["code"] == "conflict"
        assert body["yours"]["new_meter_number"] == "56000000123"
        assert body["server"]["version"] != payload["version"]
        assert not Replacement.objects.exists()
        # With the server's version the officer can send the same entry again.
        payload["version"] = body["server"]["version"]
        retry = client.post("/api/replacements", payload, content_type="application/json")
        assert retry.status_code == 201, retry.json()

    def test_another_contractors_order_is_404(self, api_client, work_order, other_contractor_order):
        client = api_client(work_order.assigned_to)
        payload = _replacement_payload(
            other_contractor_order, [upload_photo(client), upload_photo(client)]
        )
        answer = client.post("/api/replacements", payload, content_type="application/json")
        assert answer.status_code == 404
        assert not Replacement.objects.exists()


class PhotoUploadTests:
    def test_chunks_resume_from_what_the_server_has(self, api_client, cast):
        client = api_client(cast.officer)
        data = jpeg_bytes((1200, 900))
        start = {"client_id": str(uuid.uuid4()), "file_name": "a.jpg", "size": len(data)}
        upload_id = client.post("/api/photos", start, content_type="application/json").json()["id"]
        client.put(
            f"/api/photos/{upload_id}/chunk?offset=0",
            data[:5000],
            content_type="application/octet-stream",
        )
        # The connection dropped; the app starts again with the same client id.
        again = client.post("/api/photos", start, content_type="application/json").json()
        assert again["id"] == upload_id and again["received"] == 5000
        wrong = client.put(
            f"/api/photos/{upload_id}/chunk?offset=0",
            data[:10],
            content_type="application/octet-stream",
        )
        assert wrong.status_code == 409 and wrong.json()["received"] == 5000
        done = client.put(
            f"/api/photos/{upload_id}/chunk?offset=5000",
            data[5000:],
            content_type="application/octet-stream",
        ).json()
        assert done["complete"] is True and done["content_type"] == "image/jpeg"

    def test_non_image_is_refused_by_content(self, api_client, cast):
        client = api_client(cast.officer)
        data = b"%PDF-1.4 not a photo at all" * 10
        start = {"client_id": str(uuid.uuid4()), "file_name": "foto.jpg", "size": len(data)}
        upload_id = client.post("/api/photos", start, content_type="application/json").json()["id"]
        answer = client.put(
            f"/api/photos/{upload_id}/chunk?offset=0", data, content_type="application/octet-stream"
        )
        assert answer.status_code == 422
        assert answer.json()["field"] == "file"
        assert not PhotoUpload.objects.get(pk=upload_id).is_complete

    def _send(self, client, data: bytes) -> tuple[int, object]:
        start = {"client_id": str(uuid.uuid4()), "file_name": "besar.png", "size": len(data)}
        upload_id = client.post("/api/photos", start, content_type="application/json").json()["id"]
        answer = client.put(
            f"/api/photos/{upload_id}/chunk?offset=0", data, content_type="application/octet-stream"
        )
        return upload_id, answer

    def test_png_of_too_many_pixels_is_refused(self, api_client, cast):
        # issue #17: a 12000×12000 PNG of a few KB was accepted, to take 1.4 GB when decoded.
        upload_id, answer = self._send(api_client(cast.officer), huge_png_bytes(12000, 12000))
        assert answer.status_code == 422
        assert answer.json()["field"] == "file"
        assert "12000×12000 piksel" in answer.json()["message"]
        assert not PhotoUpload.objects.get(pk=upload_id).is_complete

    def test_20000_square_png_is_422_and_leaves_no_file(self, api_client, cast):
        # issue #17: this one gave a 500 and left the uploaded bytes on disk.
        client = api_client(cast.officer)
        data = huge_png_bytes(20000, 20000)
        upload_id, answer = self._send(client, data)
        assert answer.status_code == 422
        assert "20000×20000 piksel" in answer.json()["message"]
        assert files_in_media() == []
        # The upload starts over: a resend of the same bytes is refused the same way.
        assert client.get(f"/api/photos/{upload_id}").json()["received"] == 0
        again = client.put(
            f"/api/photos/{upload_id}/chunk?offset=0", data, content_type="application/octet-stream"
        )
        assert again.status_code == 422
        assert files_in_media() == []

    def test_oversized_photo_is_refused(self, api_client, cast):
        client = api_client(cast.officer)
        start = {"client_id": str(uuid.uuid4()), "file_name": "a.jpg", "size": 11 * 1024 * 1024}
        answer = client.post("/api/photos", start, content_type="application/json")
        assert answer.status_code == 422
        assert answer.json()["field"] == "size"

    def test_another_users_upload_is_404(self, api_client, cast):
        upload_id = upload_photo(api_client(cast.officer))
        other = api_client(cast.supervisor)
        assert other.get(f"/api/photos/{upload_id}").status_code == 404

    def test_a_chunk_to_another_users_upload_is_404_and_writes_nothing(self, api_client, cast):
        data = jpeg_bytes()
        owner = api_client(cast.officer)
        start = {"client_id": str(uuid.uuid4()), "file_name": "a.jpg", "size": len(data)}
        upload_id = owner.post("/api/photos", start, content_type="application/json").json()["id"]
        answer = api_client(cast.supervisor).put(
            f"/api/photos/{upload_id}/chunk?offset=0", data, content_type="application/octet-stream"
        )
        assert answer.status_code == 404
        assert PhotoUpload.objects.get(pk=upload_id).received == 0

    def test_a_photo_costs_a_fixed_number_of_queries(
        self, api_client, cast, django_assert_max_num_queries
    ):
        # 60 % of the field app's requests in a day's sync are these two (bench_api_load).
        client = api_client(cast.officer)
        client.get("/api/me")  # the token's first use of the day is written once
        data = jpeg_bytes()
        start = {"client_id": str(uuid.uuid4()), "file_name": "a.jpg", "size": len(data)}
        with django_assert_max_num_queries(5):
            upload_id = client.post("/api/photos", start, content_type="application/json")
        with django_assert_max_num_queries(5):
            done = client.put(
                f"/api/photos/{upload_id.json()['id']}/chunk?offset=0",
                data,
                content_type="application/octet-stream",
            )
        assert done.json()["complete"] is True


class DistributionTests:
    def test_supervisor_assigns_printed_order(self, api_client, cast, customer, make_target):
        from meterops.replacement import services as replacement

        target = make_target(customer)
        replacement.verify_target(target=target, actor=cast.supervisor)
        [order] = replacement.print_work_orders(targets=[target], actor=cast.supervisor)
        client = api_client(cast.supervisor)
        printed = client.get("/api/work-orders?status=printed").json()
        assert [row["number"] for row in printed] == [order.number]
        officers = [o["username"] for o in client.get("/api/officers").json()]
        assert "petugas.a" in officers
        answer = client.post(
            "/api/work-orders/assign",
            {
                "client_id": str(uuid.uuid4()),
                "work_order_ids": [order.pk],
                "officer_id": cast.officer.pk,
            },
            content_type="application/json",
        )
        assert answer.status_code == 200, answer.json()
        order.refresh_from_db()
        assert order.assigned_to == cast.officer

    def test_field_officer_cannot_list_officers(self, api_client, cast):
        assert api_client(cast.officer).get("/api/officers").status_code == 403


class PhotoReuseTests:
    def test_photo_used_by_one_write_is_refused_by_another(
        self, api_client, field_officer, customer, damage_type, django_capture_on_commit_callbacks
    ):
        from meterops.api.services import upload_path

        client = api_client(field_officer)
        photo_id = upload_photo(client)
        payload = {
            "client_id": str(uuid.uuid4()),
            "customer_id": customer.customer_id,
            "damage_type": "display-mati",
            "photo_ids": [photo_id],
        }
        with django_capture_on_commit_callbacks(execute=True):
            first = client.post("/api/damage-reports", payload, content_type="application/json")
        assert first.status_code == 201
        # The target keeps its own copy; the uploaded bytes are gone once the write committed.
        assert not upload_path(PhotoUpload.objects.get(pk=photo_id)).exists()
        again = client.post(
            "/api/damage-reports",
            payload | {"client_id": str(uuid.uuid4())},
            content_type="application/json",
        )
        assert again.status_code == 422 and again.json()["field"] == "photo_ids"
        assert PhotoUpload.objects.get(pk=photo_id).used_at is not None


class PurgeTests:
    def test_stale_uploads_and_old_answers_go(self, api_client, cast):
        from datetime import timedelta as days

        from django.core.management import call_command

        from meterops.api.services import upload_path

        client = api_client(cast.officer)
        fresh = upload_photo(client)
        stale = upload_photo(client)
        PhotoUpload.objects.filter(pk=stale).update(updated_at=timezone.now() - days(days=8))
        IdempotentWrite.objects.create(user=cast.officer, client_id=uuid.uuid4(), operation="x")
        IdempotentWrite.objects.update(created_at=timezone.now() - days(days=61))
        call_command("purge_device_data")
        assert list(PhotoUpload.objects.values_list("pk", flat=True)) == [fresh]
        assert not upload_path(PhotoUpload(pk=stale)).exists()
        assert not IdempotentWrite.objects.exists()


class WorkListQueryTests:
    def test_query_count_does_not_grow_with_the_orders(
        self, api_client, cast, work_order, make_target, django_assert_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from meterops.replacement import services as replacement
        from tests.factories import CustomerFactory, MeterFactory

        client = api_client(work_order.assigned_to)
        client.get("/api/work-list")  # the token's last_used_at is written on first use
        with CaptureQueriesContext(connection) as one:
            client.get("/api/work-list")
        for n in range(3):
            other = CustomerFactory(unit=cast.sp_a)
            MeterFactory(customer=other, meter_number=f"4600000000{n}")
            target = make_target(other)
            replacement.verify_target(target=target, actor=cast.supervisor)
            [order] = replacement.print_work_orders(targets=[target], actor=cast.supervisor)
            replacement.assign_work_orders(
                work_orders=[order], officer=work_order.assigned_to, actor=cast.supervisor
            )
        with django_assert_num_queries(len(one.captured_queries)):
            items = client.get("/api/work-list").json()["items"]
        assert len(items) == 4


class LockoutTests:
    def test_repeated_bad_logins_lock_out_without_server_error(self, client, cast):
        answers = [
            client.post(
                "/api/auth/login",
                {"username": "petugas.a", "password": "salah"},
                content_type="application/json",
            ).status_code
            for _ in range(6)
        ]
        assert answers[0] == 401
        assert answers[-1] == 429
        locked = client.post(
            "/api/auth/login",
            {"username": "petugas.a", "password": TEST_PASSWORD},
            content_type="application/json",
        )
        assert locked.status_code == 429
        assert not DeviceToken.objects.exists()

    def test_password_change_counts_wrong_old_passwords_toward_the_lockout(self, api_client, cast):
        client = api_client(cast.officer)
        answers = [
            client.post(
                "/api/me/password",
                {"old_password": f"tebakan-{n}", "new_password": "Meteran-Baru-2026"},
                content_type="application/json",
            )
            for n in range(30)
        ]
        assert answers[0].status_code == 422
        assert answers[0].json()["field"] == "old_password"
        assert answers[-1].status_code == 429
        right = client.post(
            "/api/me/password",
            {"old_password": TEST_PASSWORD, "new_password": "Meteran-Baru-2026"},
            content_type="application/json",
        )
        assert right.status_code == 429
        assert right.json()["code"] == "locked_out"
        cast.officer.refresh_from_db()
        assert cast.officer.check_password(TEST_PASSWORD)

    def test_password_change_is_refused_while_the_username_is_locked(self, api_client, cast):
        client = api_client(cast.officer)
        for _ in range(5):
            client.post(
                "/api/auth/login",
                {"username": "petugas.a", "password": "salah"},
                content_type="application/json",
            )
        right = client.post(
            "/api/me/password",
            {"old_password": TEST_PASSWORD, "new_password": "Meteran-Baru-2026"},
            content_type="application/json",
        )
        assert right.status_code == 429
        cast.officer.refresh_from_db()
        assert cast.officer.check_password(TEST_PASSWORD)


class PhotoClientIdReuseTests:
    """Issue #17: a client_id names one photo; reused for another, the first upload was
    answered and the new photo's bytes never stored."""

    def test_reuse_for_another_photo_is_422_on_client_id(self, api_client, cast):
        client, client_id = api_client(cast.officer), str(uuid.uuid4())
        first = {"client_id": client_id, "file_name": "rusak.jpg", "size": 5000}
        assert client.post("/api/photos", first, content_type="application/json").status_code == 200

        for other in ({"file_name": "ganti.jpg"}, {"size": 6000}):
            answer = client.post("/api/photos", first | other, content_type="application/json")
            assert answer.status_code == 422, other
            assert answer.json()["field"] == "client_id"
            assert "rusak.jpg" in answer.json()["message"]
        assert PhotoUpload.objects.filter(user=cast.officer).count() == 1

    def test_the_same_photo_again_finds_its_upload(self, api_client, cast):
        client = api_client(cast.officer)
        start = {"client_id": str(uuid.uuid4()), "file_name": "rusak.jpg", "size": 5000}
        first = client.post("/api/photos", start, content_type="application/json").json()
        again = client.post("/api/photos", start, content_type="application/json").json()
        assert again["id"] == first["id"]
