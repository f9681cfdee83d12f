"""The PB form posted twice (a double click, a resend after a slow answer, the back button) makes
one application and one customer (issue #17). A second genuine PB for the same person and
address stays possible: it is a new form, with a new key.

The concurrent case needs PostgreSQL, where two requests really run at once; SQLite
serialises whole transactions.
"""

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from meterops.customers.models import Customer
from meterops.prepaid.models import ServiceRequest


def _pb_form(prepaid, key):
    return {
        "submission": str(key),
        "kind": "new_connection",
        "product": "prepaid_nfc",
        "unit": prepaid.sp_a.pk,
        "applicant_name": "SICILIA NFC",
        "address": "DK. SELATAN NO. 12",
        "tariff": "R1T",
        "power_va": 2200,
    }


def _customers():
    return Customer.objects.filter(name="SICILIA NFC").count()


class PbDoubleSubmitTests:
    def test_the_form_carries_a_fresh_key_each_time_it_is_opened(self, prepaid, client_for):
        client = client_for(prepaid.supervisor)
        first = client.get(reverse("prepaid:request_create")).context["form"]
        second = client.get(reverse("prepaid:request_create")).context["form"]
        assert first["submission"].value() != second["submission"].value()

    def test_the_same_form_posted_twice_makes_one_application(self, prepaid, client_for):
        client, key = client_for(prepaid.supervisor), uuid.uuid4()
        first = client.post(reverse("prepaid:request_create"), _pb_form(prepaid, key))
        again = client.post(reverse("prepaid:request_create"), _pb_form(prepaid, key), follow=True)

        created = ServiceRequest.objects.get()
        assert first.url == reverse("prepaid:request_detail", args=[created.pk])
        assert again.redirect_chain[-1][0] == first.url
        assert (
            f"sudah tersimpan sebagai permohonan {created.request_number}" in again.content.decode()
        )
        assert _customers() == 1

    def test_a_new_form_for_the_same_person_is_a_second_application(self, prepaid, client_for):
        client = client_for(prepaid.supervisor)
        client.post(reverse("prepaid:request_create"), _pb_form(prepaid, uuid.uuid4()))
        client.post(reverse("prepaid:request_create"), _pb_form(prepaid, uuid.uuid4()))
        assert ServiceRequest.objects.count() == 2 and _customers() == 2

    def test_a_form_without_its_key_is_refused_in_indonesian(self, prepaid, client_for):
        data = _pb_form(prepaid, "") | {"submission": ""}
        response = client_for(prepaid.supervisor).post(reverse("prepaid:request_create"), data)
        assert "muat ulang halaman" in response.content.decode()
        assert not ServiceRequest.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_two_posts_at_once_make_one_application_and_one_customer(prepaid):
    key = uuid.uuid4()
    barrier = threading.Barrier(2)
    statuses = []

    def post():
        client = Client()
        client.force_login(prepaid.supervisor, backend="django.contrib.auth.backends.ModelBackend")
        barrier.wait()
        try:
            response = client.post(reverse("prepaid:request_create"), _pb_form(prepaid, key))
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    assert ServiceRequest.objects.count() == 1
    assert _customers() == 1
