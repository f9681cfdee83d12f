"""The NFC counter's card reader application on the device API (issue #18, seed 002 1.2-1.4):
POST /api/nfc-counter/sales with what the reader read; the token and the card payload back.

Device tokens and scope as the field app's; the receipt number is the idempotency key, also
for two counters sending it at the same moment (PostgreSQL)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from meterops.api.services import issue_token
from meterops.core.choices import RoleCode
from meterops.prepaid.models import LoadProfileRecord, NfcCardRecord, NfcTransaction, TokenSale
from tests.factories import UserFactory
from tests.prepaid.builders import installed_meter, make_fee, make_keys, make_stock
from tests.prepaid.test_load_profile import SAMPLE_CARD, SAMPLE_CARD_WITH_CURRENT

URL = "/api/nfc-counter/sales"
METER = "32031017679"


def counter_world(cast):
    make_fee()
    make_keys(cast.region)
    make_stock(cast.sp_a, METER, is_nfc=True)
    make_stock(cast.sp_a, "14012345678", is_nfc=False)
    return installed_meter(cast.sp_a, METER, name="SICILIA NFC")


@pytest.fixture
def meter(cast):
    return counter_world(cast)


def body(**changes):
    return {
        "receipt_number": "KW-0001",
        "amount": "100000",
        "meter_number": METER,
        "records": SAMPLE_CARD_WITH_CURRENT,
        **changes,
    }


def post(client, **changes):
    return client.post(URL, body(**changes), content_type="application/json")


def _written():
    return (
        TokenSale.objects.count(),
        NfcTransaction.objects.count(),
        NfcCardRecord.objects.count(),
    )


class NfcCounterSaleTests:
    def test_answers_the_token_the_payload_and_the_records_kept(self, cast, meter, api_client):
        response = post(api_client(cast.supervisor))
        assert response.status_code == 201, response.json()
        answer = response.json()
        sale = TokenSale.objects.get()
        assert answer["token"] == sale.token and answer["kwh"] == "67.3"
        assert answer["token_display"] == sale.display()
        assert answer["card_payload"] == f"{METER}\n{sale.token}"
        assert (answer["customer_name"], answer["records_kept"]) == ("SICILIA NFC", 12)
        assert answer["records"][0] == {
            "position": 1,
            "period": "201212",
            "register_kwh": "5700",
            "credit_kwh": "6",
            "voltage": 220,
            "tamper_status": 8,
            "current_amp": "5.2",
        }
        assert answer["rejections"] == [] and answer["replayed"] is False
        assert LoadProfileRecord.objects.get(period="201212").current_amp == Decimal("5.2")

    def test_the_same_receipt_again_answers_the_same_token_with_200(self, cast, meter, api_client):
        first = post(api_client(cast.supervisor)).json()
        again = post(api_client(cast.unit_admin), records=SAMPLE_CARD[:1])
        assert again.status_code == 200
        assert again.json()["token"] == first["token"] and again.json()["replayed"] is True
        assert again.json()["records_kept"] == 12
        assert _written() == (1, 1, 12)

    def test_the_same_receipt_with_another_amount_is_409_in_indonesian(
        self, cast, meter, api_client
    ):
        client = api_client(cast.supervisor)
        post(client)
        refused = post(client, amount="50000")
        assert refused.status_code == 409
        assert refused.json()["code"] == "prepaid_duplicate_reference"
        assert (
            "KW-0001 kanal LOKET-NFC sudah dipakai untuk penjualan lain"
            in refused.json()["message"]
        )
        assert _written() == (1, 1, 12)

    def test_a_counter_of_another_unit_gets_404_for_the_meter(self, cast, meter, api_client):
        outsider = api_client(cast.outsider)
        assert post(outsider).status_code == 404
        post(api_client(cast.supervisor))
        refused = api_client(cast.outsider).post(URL, body(), content_type="application/json")
        assert refused.status_code == 404 and "token" not in refused.json()
        assert _written() == (1, 1, 12)

    def test_a_keypad_meter_is_422_on_meter_number_before_any_sale(self, cast, meter, api_client):
        installed_meter(cast.sp_a, "14012345678")
        refused = post(api_client(cast.supervisor), meter_number="14012345678")
        assert refused.status_code == 422
        assert refused.json()["field"] == "meter_number"
        assert "bukan meter prabayar dua arah NFC" in refused.json()["message"]
        assert _written() == (0, 0, 0)

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"meter_number": "3203101767"}, "meter_number"),
            ({"meter_number": "3203101767X"}, "meter_number"),
            ({"amount": "-1"}, "amount"),
            ({"receipt_number": ""}, "receipt_number"),
            ({"receipt_number": "KW\x00"}, "receipt_number"),
            ({"records": ["1" * 201]}, "records.0"),
            ({"records": SAMPLE_CARD * 3}, "records"),
        ],
    )
    def test_bad_input_is_422_naming_the_field(self, cast, meter, api_client, changes, field):
        refused = post(api_client(cast.supervisor), **changes)
        assert refused.status_code == 422
        assert refused.json()["field"] == field
        assert _written() == (0, 0, 0)

    def test_a_bad_record_is_rejected_with_its_reason_and_the_rest_kept(
        self, cast, meter, api_client
    ):
        records = [*SAMPLE_CARD_WITH_CURRENT[:2], "201210004889000016220x80016"]
        answer = post(api_client(cast.supervisor), records=records).json()
        assert answer["records_kept"] == 2
        assert answer["rejections"] == [
            "Record 3: Status tamper berisi bukan angka pada posisi 22."
        ]

    def test_a_field_officer_gets_403(self, cast, meter, api_client):
        officer = UserFactory(unit=cast.sp_a, roles=[RoleCode.FIELD_OFFICER])
        assert post(api_client(officer)).status_code == 403
        assert _written() == (0, 0, 0)

    def test_without_a_device_token_it_is_401(self, cast, meter, client):
        assert client.post(URL, body(), content_type="application/json").status_code == 401


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
@pytest.mark.django_db(transaction=True)
class TwoCountersAtOnceTests:
    """Two counters post at the same second; PostgreSQL runs them really at once."""

    def _race(self, posts):
        barrier = threading.Barrier(len(posts))
        answers = []

        def send(user, changes):
            _token, raw = issue_token(user=user)
            client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
            barrier.wait()
            try:
                answers.append(post(client, **changes))
            finally:
                connection.close()

        threads = [threading.Thread(target=send, args=pair) for pair in posts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return answers

    def test_the_same_receipt_makes_one_sale(self, cast):
        counter_world(cast)
        answers = self._race([(cast.supervisor, {}), (cast.unit_admin, {})])
        assert sorted(a.status_code for a in answers) == [200, 201]
        assert answers[0].json()["token"] == answers[1].json()["token"]
        assert _written() == (1, 1, 12)
        assert LoadProfileRecord.objects.count() == 12

    def test_the_same_receipt_for_two_meters_makes_one_sale(self, cast):
        counter_world(cast)
        make_stock(cast.sp_a, "32031017680", is_nfc=True)
        installed_meter(cast.sp_a, "32031017680")
        answers = self._race(
            [(cast.supervisor, {}), (cast.unit_admin, {"meter_number": "32031017680"})]
        )
        assert sorted(a.status_code for a in answers) == [201, 409]
        assert _written() == (1, 1, 12)
