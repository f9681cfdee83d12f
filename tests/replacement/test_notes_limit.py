"""Keterangan is kept to 500 characters on every way in: Tambah Ex DG, the field app's API and
the TO upload (issue #20: 11,000 characters were accepted, the detail page grew 7,000 px tall).
Targets written with longer notes before stay as they are: the limit is checked on input."""

import uuid

import pytest
from django.urls import reverse

from meterops.core.errors import InvalidInput
from meterops.imports.models import UploadRow
from meterops.replacement.models import NOTES_MAX_LENGTH, ReplacementTarget
from meterops.replacement.services import DamageReport, report_damage, verify_target
from tests.api.conftest import api_client, upload_photo  # noqa: F401 - the API's test client
from tests.imports.conftest import applied, xlsx
from tests.replacement.conftest import jpeg

LONGEST = "k" * NOTES_MAX_LENGTH
TOO_LONG = "k" * (NOTES_MAX_LENGTH + 1)
TARGET_CREATE = reverse("replacement:target_create")


def test_limit_is_500_characters():
    assert NOTES_MAX_LENGTH == 500


class WebFormTests:
    def _post(self, client, customer, damage_type, notes):
        return client.post(
            f"{TARGET_CREATE}?customer_id={customer.customer_id}",
            {"damage_type": damage_type.pk, "notes": notes, "photos": [jpeg()]},
        )

    def test_too_long_is_refused_on_the_field(self, cast, client_for, customer, damage_type):
        response = self._post(client_for(cast.supervisor), customer, damage_type, TOO_LONG)
        assert response.status_code == 200
        assert response.context["form"].errors["notes"] == [
            "Keterangan paling banyak 500 karakter (sekarang 501)."
        ]
        assert 'maxlength="500"' in response.content.decode()
        assert not ReplacementTarget.objects.exists()

    def test_longest_is_accepted(self, cast, client_for, customer, damage_type):
        response = self._post(client_for(cast.supervisor), customer, damage_type, LONGEST)
        assert response.status_code == 302
        assert ReplacementTarget.objects.get().notes == LONGEST


def test_service_refuses_too_long_naming_the_field(cast, customer, damage_type):
    report = DamageReport(damage_type=damage_type, notes=TOO_LONG)
    with pytest.raises(InvalidInput) as refused:
        report_damage(actor=cast.supervisor, customer=customer, report=report, photos=[jpeg()])
    assert refused.value.field == "notes"
    assert not ReplacementTarget.objects.exists()


def test_api_answers_422_naming_the_field(
    api_client,  # noqa: F811
    field_officer,
    customer,
    damage_type,
):
    client = api_client(field_officer)
    payload = {
        "client_id": str(uuid.uuid4()),
        "customer_id": customer.customer_id,
        "damage_type": damage_type.code,
        "notes": TOO_LONG,
        "photo_ids": [upload_photo(client)],
    }
    answer = client.post("/api/damage-reports", payload, content_type="application/json")
    assert answer.status_code == 422
    assert answer.json()["field"] == "notes"
    assert answer.json()["message"] == "Keterangan paling banyak 500 karakter (sekarang 501)."
    assert not ReplacementTarget.objects.exists()


def test_upload_rejects_the_row_naming_the_column(cast, customer, damage_type):
    headers = ["IDPEL", "JENIS_KERUSAKAN", "KETERANGAN"]
    upload = applied(
        cast.supervisor,
        "to-ex-dg",
        xlsx([[customer.customer_id, damage_type.name, TOO_LONG]], headers=headers),
    )
    row = UploadRow.objects.get(upload=upload)
    assert (row.status, row.row_number, row.error_column) == ("rejected", 2, "KETERANGAN")
    assert "terlalu panjang (maksimal 500 karakter)" in row.reason
    assert not ReplacementTarget.objects.exists()


def test_longer_notes_written_before_are_kept_and_the_target_moves_on(
    cast, client_for, customer, make_target
):
    target = make_target(customer)
    ReplacementTarget.objects.filter(pk=target.pk).update(notes="x" * 11_000)
    verify_target(target=target, actor=cast.supervisor)
    target.refresh_from_db()
    assert len(target.notes) == 11_000
    page = client_for(cast.supervisor).get(reverse("replacement:target_detail", args=[target.pk]))
    assert page.status_code == 200
