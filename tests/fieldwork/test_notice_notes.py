"""Seed 004 §V: "Mencatat informasi yang disampaikan oleh pelanggan di form angka 2" and the
keterangan "Dll": what the customer said is kept, and "Dll" needs it."""

import pytest
from django.urls import reverse

from meterops.core.errors import InvalidInput
from meterops.core.models import ProcessEvent
from meterops.fieldwork import services
from meterops.fieldwork.choices import NOTICE_NOTE_MAX, NoticeOutcome, OrderKind, OrderState
from meterops.fieldwork.models import FieldOrder
from tests.core.image_files import files_in_media
from tests.factories import CustomerFactory
from tests.fieldwork.helpers import jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(cast):
    order = FieldOrder.objects.create(
        unit=cast.sp_a,
        customer=CustomerFactory(unit=cast.sp_a),
        kind=OrderKind.NOTICE,
        issued_by=cast.supervisor,
    )
    services.assign_orders(
        actor=cast.supervisor, orders=FieldOrder.objects.filter(pk=order.pk), officer=cast.officer
    )
    order.refresh_from_db()
    return order


def _record(cast, order, **kwargs):
    return services.record_notice(actor=cast.officer, order=order, photo=jpeg(), **kwargs)


class NoticeNoteTests:
    def test_dll_is_an_outcome_labelled_as_in_the_seed(self):
        assert NoticeOutcome.OTHER == "other" and NoticeOutcome.OTHER.label == "Dll"

    def test_dll_without_a_note_is_refused_and_nothing_is_stored(self, cast, order):
        with pytest.raises(InvalidInput, match="Keterangan Dll") as refused:
            _record(cast, order, outcome=NoticeOutcome.OTHER, note="   ")
        assert refused.value.field == "note"
        order.refresh_from_db()
        assert order.state == OrderState.ASSIGNED and order.outcome == ""
        assert files_in_media() == []

    def test_dll_with_a_note_is_recorded_with_it(self, cast, order):
        said = "Pemilik rumah sedang sakit, surat diterima anaknya"
        _record(cast, order, outcome=NoticeOutcome.OTHER, note=f"  {said} ")
        order.refresh_from_db()
        assert order.state == OrderState.DONE
        assert (order.outcome, order.note) == (NoticeOutcome.OTHER, said)
        event = ProcessEvent.objects.get(verb="fieldwork.notice_recorded")
        assert event.note == f"Dll: {said}"

    def test_what_the_customer_said_is_kept_with_any_outcome(self, cast, order):
        _record(
            cast,
            order,
            outcome=NoticeOutcome.IN_PERSON,
            initials="Bu Siti",
            note="Minta dijadwalkan ulang pembacaan meter",
        )
        order.refresh_from_db()
        assert order.note == "Minta dijadwalkan ulang pembacaan meter"

    def test_a_note_too_long_is_refused(self, cast, order):
        with pytest.raises(InvalidInput) as refused:
            _record(cast, order, outcome=NoticeOutcome.AT_FENCE, note="x" * (NOTICE_NOTE_MAX + 1))
        assert refused.value.field == "note"


class NoticeFormTests:
    def _post(self, client, order, **data):
        return client.post(
            reverse("fieldwork:order_detail", args=[order.pk]),
            {"photo": jpeg(), **data},
            follow=True,
        )

    def test_web_form_offers_dll_and_refuses_it_without_a_note(self, cast, client_for, order):
        client = client_for(cast.officer)
        page = client.get(reverse("fieldwork:order_detail", args=[order.pk])).content.decode()
        assert '<option value="other">Dll</option>' in page
        html = self._post(client, order, outcome="other").content.decode()
        assert "Keterangan Dll" in html
        order.refresh_from_db()
        assert order.state == OrderState.ASSIGNED

    def test_web_form_records_dll_with_the_note(self, cast, client_for, order):
        client = client_for(cast.officer)
        html = self._post(client, order, outcome="other", note="Rumah sedang direnovasi")
        assert "tersimpan" in html.content.decode()
        order.refresh_from_db()
        assert (order.outcome, order.note) == ("other", "Rumah sedang direnovasi")
        detail = client.get(reverse("fieldwork:order_detail", args=[order.pk])).content.decode()
        assert "Dll" in detail and "Rumah sedang direnovasi" in detail

    def test_markup_in_the_note_is_shown_as_text(self, cast, client_for, order):
        client = client_for(cast.officer)
        self._post(client, order, outcome="other", note="<script>alert(1)</script>")
        detail = client.get(reverse("fieldwork:order_detail", args=[order.pk])).content.decode()
        assert "<script>alert(1)" not in detail and "&lt;script&gt;alert(1)" in detail


def test_campaign_page_title_is_text_not_a_table(cast, client_for):
    """The title block held a copy of the "Progres per ULP" table: markup in the tab's title."""
    html = client_for(cast.supervisor).get(reverse("fieldwork:campaign_list")).content.decode()
    title = html.split("<title>")[1].split("</title>")[0]
    assert title == "Penyampaian Informasi · meterops"
    assert html.count('id="campaign-units"') == 1
