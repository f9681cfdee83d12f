from django.urls import reverse

from meterops.core.services import advance_process, open_process
from tests.factories import MeterFactory

URL = reverse("core:status")


def _check(client, customer_id):
    return client.get(URL, {"customer_id": customer_id})


class StatusTests:
    def test_shows_customer_meter_open_process_and_timeline(self, cast, client_for, customer_a):
        MeterFactory(customer=customer_a, meter_number="45000000001")
        process = open_process(
            customer=customer_a,
            domain="replacement",
            kind="Target ganti meter",
            reference="TO-7",
            state="submitted",
            state_label="Diajukan",
            actor=cast.supervisor,
        )
        advance_process(
            process=process,
            to_state="verified",
            state_label="Terverifikasi",
            verb="replacement.verified",
            actor=cast.supervisor,
            note="foto jelas",
        )
        page = _check(client_for(cast.officer), customer_a.customer_id).content.decode()
        assert "45000000001" in page
        assert "TO-7" in page and "Terverifikasi" in page
        assert "foto jelas" in page

    def test_no_open_process_says_input_may_proceed(self, cast, client_for, customer_a):
        page = _check(client_for(cast.officer), customer_a.customer_id).content.decode()
        assert "Tidak ada proses yang belum tuntas" in page

    def test_wrong_format_gets_indonesian_message(self, cast, client_for):
        response = _check(client_for(cast.officer), "12AB")
        assert response.status_code == 200
        assert "IDPEL harus 12 digit angka" in response.content.decode()

    def test_unknown_idpel_is_reported(self, cast, client_for):
        page = _check(client_for(cast.officer), "510019999999").content.decode()
        assert "tidak ditemukan" in page

    def test_customer_of_another_unit_is_not_shown(self, cast, client_for, customer_b):
        page = _check(client_for(cast.officer), customer_b.customer_id).content.decode()
        assert "tidak ditemukan" in page
        assert customer_b.name not in page

    def test_empty_input_asks_for_idpel(self, cast, client_for):
        page = _check(client_for(cast.officer), "").content.decode()
        assert "Masukkan IDPEL" in page

    def test_spaces_in_idpel_are_ignored(self, cast, client_for, customer_a):
        spaced = f"{customer_a.customer_id[:6]} {customer_a.customer_id[6:]}"
        page = _check(client_for(cast.officer), spaced).content.decode()
        assert customer_a.name in page
