"""Cetak PK keeps the user on the list and one press prints once (issue #20): the POST records
the print and comes back to the refreshed list, which offers that batch's PDF by a GET."""

import io
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from meterops.replacement.models import PrintBatch, WorkOrder
from meterops.replacement.printing import print_batch, request_key
from meterops.replacement.services import verify_target
from tests.factories import CustomerFactory

PRINT = reverse("replacement:workorders_print")
LIST = reverse("replacement:workorder_print_list")


@pytest.fixture
def verified(cast, customer, make_target):
    return verify_target(target=make_target(customer), actor=cast.supervisor)


def _pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


def _events(target, verb: str) -> int:
    return target.process.events.filter(verb=f"replacement.{verb}").count()


class PrintTests:
    def test_print_returns_to_the_refreshed_list_with_the_batch_to_download(
        self, cast, client_for, verified
    ):
        client = client_for(cast.supervisor)
        response = client.post(PRINT, {"selected": [verified.pk], "print_key": "k1"}, follow=True)
        batch = PrintBatch.objects.get()
        assert response.redirect_chain == [(f"{LIST}?printed={batch.pk}", 302)]
        page = response.content.decode()
        assert "1 PK dicetak." in page
        assert list(response.context["page"]) == []  # the printed target left the list
        pdf_url = reverse("replacement:print_batch_pdf", args=[batch.pk])
        assert f'href="{pdf_url}"' in page
        text = _pdf_text(client.get(pdf_url))
        assert "PK/51001/" in text and verified.customer.customer_id in text

    def test_print_form_stays_in_the_page(self, cast, client_for, verified):
        """Before: target="_blank" sent the PDF, and any error, to a new tab."""
        page = client_for(cast.supervisor).get(LIST).content.decode()
        form = page[page.index('id="print-form"') :].split(">", 1)[0]
        assert 'target="_blank"' not in form and "data-submit-once" in form
        assert 'name="print_key"' in page

    def test_nothing_ticked_is_told_on_the_list(self, cast, client_for, verified):
        response = client_for(cast.supervisor).post(PRINT, {"print_key": "k1"}, follow=True)
        assert response.redirect_chain == [(LIST, 302)]
        assert "Pilih minimal satu target" in response.content.decode()
        assert not PrintBatch.objects.exists()

    def test_same_form_sent_twice_prints_once(self, cast, client_for, verified):
        """Before: the second POST of a double click was a reprint, the paper read cetakan ke-2."""
        client = client_for(cast.supervisor)
        data = {"selected": [verified.pk], "print_key": "k1"}
        first = client.post(PRINT, data, follow=True)
        second = client.post(PRINT, data, follow=True)
        assert second.redirect_chain == first.redirect_chain
        assert "PK dicetak" not in second.content.decode()
        work_order = WorkOrder.objects.get()
        assert work_order.print_count == 1 and PrintBatch.objects.count() == 1
        assert _events(verified, "work_order_reprinted") == 0
        batch = PrintBatch.objects.get()
        text = _pdf_text(client.get(reverse("replacement:print_batch_pdf", args=[batch.pk])))
        assert "cetakan ke-1" in text

    def test_downloading_the_batch_again_is_not_a_reprint(self, cast, client_for, verified):
        client = client_for(cast.supervisor)
        client.post(PRINT, {"selected": [verified.pk], "print_key": "k1"})
        url = reverse("replacement:print_batch_pdf", args=[PrintBatch.objects.get().pk])
        assert "cetakan ke-1" in _pdf_text(client.get(url))
        assert "cetakan ke-1" in _pdf_text(client.get(url))
        assert WorkOrder.objects.get().print_count == 1

    def test_each_paper_reads_the_copy_its_batch_printed(self, cast, client_for, verified):
        client = client_for(cast.supervisor)
        client.post(PRINT, {"selected": [verified.pk], "print_key": "k1"})
        first = PrintBatch.objects.get()
        reprint = reverse("replacement:workorder_reprint", args=[WorkOrder.objects.get().pk])
        response = client.post(reprint, {"print_key": "k2"})
        second = PrintBatch.objects.latest("pk")
        monitoring = reverse("replacement:workorder_list")
        assert response["Location"] == f"{monitoring}?printed={second.pk}"
        url = reverse("replacement:print_batch_pdf", args=[second.pk])
        assert "cetakan ke-2" in _pdf_text(client.get(url))
        url = reverse("replacement:print_batch_pdf", args=[first.pk])
        assert "cetakan ke-1" in _pdf_text(client.get(url))
        assert WorkOrder.objects.get().print_count == 2

    def test_the_same_key_with_other_ticks_is_a_new_print(self, cast, customer, verified):
        other = CustomerFactory(unit=cast.sp_a)
        assert request_key("k1", [verified]) != request_key("k1", [verified, other])
        assert request_key("", [verified]) == ""

    def test_another_user_gets_404_for_the_batch(self, cast, client_for, verified):
        client_for(cast.supervisor).post(PRINT, {"selected": [verified.pk], "print_key": "k1"})
        url = reverse("replacement:print_batch_pdf", args=[PrintBatch.objects.get().pk])
        assert client_for(cast.outsider).get(url).status_code == 404
        assert client_for(cast.area_user).get(url).status_code == 404

    def test_outsiders_target_is_not_printed(self, cast, client_for, verified):
        response = client_for(cast.outsider).post(
            PRINT, {"selected": [verified.pk], "print_key": "k1"}, follow=True
        )
        assert "Pilih minimal satu target" in response.content.decode()
        assert not WorkOrder.objects.exists()

    def test_batch_without_a_key_prints_every_time(self, cast, verified):
        print_batch(targets=[verified], actor=cast.supervisor)
        print_batch(targets=[verified], actor=cast.supervisor)
        assert WorkOrder.objects.get().print_count == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_double_submit_at_the_same_moment_prints_once(cast, customer, make_target):
    target = verify_target(target=make_target(customer), actor=cast.supervisor)
    barrier = threading.Barrier(2)
    statuses = []

    def submit():
        client = Client()
        client.force_login(cast.supervisor, backend="django.contrib.auth.backends.ModelBackend")
        barrier.wait()
        try:
            response = client.post(PRINT, {"selected": [target.pk], "print_key": "same-form"})
            statuses.append((response.status_code, response["Location"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    batch = PrintBatch.objects.get()
    assert statuses == [(302, f"{LIST}?printed={batch.pk}")] * 2
    assert WorkOrder.objects.get().print_count == 1
    assert _events(target, "work_order_printed") == 1
    assert _events(target, "work_order_reprinted") == 0
