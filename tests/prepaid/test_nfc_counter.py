"""The NFC counter, Loket NFC (issue #18 on seed 002, 1.2-1.4): the card in, the token and the
payload to write back out, the card's load profile kept per purchase."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from meterops.core.errors import InvalidInput, NotAllowed, NotFound
from meterops.core.models import ProcessEvent
from meterops.customers.choices import PaymentMode
from meterops.prepaid import services
from meterops.prepaid.errors import DuplicateReference, NotNfcMeter, VendingRefused
from meterops.prepaid.models import LoadProfileRecord, NfcCardRecord, NfcTransaction, TokenSale

from .builders import installed_meter
from .test_load_profile import SAMPLE_CARD, SAMPLE_CARD_WITH_CURRENT
from .test_services import _codec

METER = "32031017679"  # in the prepaid fixture's stock as an NFC meter
KEYPAD = "14012345678"  # in its stock as a keypad meter


@pytest.fixture
def meter(prepaid):
    return installed_meter(prepaid.sp_a, METER, name="SICILIA NFC")


def sell(actor, *, receipt="KW-1", amount="100000", records=None, meter_number=METER):
    return services.sell_at_nfc_counter(
        actor=actor,
        meter_number=meter_number,
        records=SAMPLE_CARD_WITH_CURRENT if records is None else records,
        amount=Decimal(amount),
        receipt_number=receipt,
    )


def _written():
    return (
        TokenSale.objects.count(),
        NfcTransaction.objects.count(),
        NfcCardRecord.objects.count(),
        LoadProfileRecord.objects.count(),
    )


class SellAtNfcCounterTests:
    def test_sells_the_token_and_keeps_the_card_with_its_arus(self, prepaid, meter):
        result = sell(prepaid.supervisor)

        assert result.created
        sale = TokenSale.objects.get()
        assert (sale.channel, sale.reference, sale.kwh) == ("LOKET-NFC", "KW-1", Decimal("67.3"))
        codec = _codec("0123456789abcdef", METER, "600000", "01", 2, 2014)
        assert codec.decode(sale.token).fields.quantity == Decimal("67.3")
        assert result.card_payload == f"{METER}\n{sale.token}"
        purchase = NfcTransaction.objects.get()
        assert (purchase.sale, purchase.records_kept, purchase.rejections) == (sale, 12, "")
        kept = list(purchase.card_records.values_list("position", "period", "current_amp"))
        assert kept[0] == (1, "201212", Decimal("5.2")) and len(kept) == 12
        december = LoadProfileRecord.objects.get(meter=meter, period="201212")
        assert (december.register_kwh, december.current_amp) == (Decimal(5700), Decimal("5.2"))
        verbs = set(ProcessEvent.objects.values_list("verb", flat=True))
        assert {"prepaid.token_sold", "prepaid.nfc_transaction"} <= verbs

    def test_reads_the_seeds_23_digit_records_too(self, prepaid, meter):
        sell(prepaid.supervisor, records=SAMPLE_CARD)
        assert LoadProfileRecord.objects.count() == 12
        assert not LoadProfileRecord.objects.filter(current_amp__isnull=False).exists()

    def test_the_same_receipt_again_is_the_same_sale_and_its_card_is_not_read_again(
        self, prepaid, meter
    ):
        first = sell(prepaid.supervisor)
        again = sell(prepaid.unit_admin, records=SAMPLE_CARD[:2])  # another counter, same unit

        assert not again.created
        assert (again.sale.pk, again.sale.token) == (first.sale.pk, first.sale.token)
        assert again.transaction.pk == first.transaction.pk
        assert again.card_payload == first.card_payload
        assert _written() == (1, 1, 12, 12)

    @pytest.mark.parametrize("change", [{"amount": "50000"}, {"meter_number": "32031017680"}])
    def test_the_same_receipt_for_another_sale_is_refused(self, prepaid, meter, change):
        from .builders import make_stock

        make_stock(prepaid.sp_a, "32031017680", is_nfc=True)
        installed_meter(prepaid.sp_a, "32031017680")
        sell(prepaid.supervisor)
        with pytest.raises(DuplicateReference, match="KW-1 kanal LOKET-NFC sudah dipakai"):
            sell(prepaid.supervisor, **change)
        assert _written() == (1, 1, 12, 12)

    def test_a_bad_record_is_rejected_naming_it_and_the_rest_kept(self, prepaid, meter):
        records = [*SAMPLE_CARD_WITH_CURRENT[:11], "2012010016540000052200000x5"]
        result = sell(prepaid.supervisor, records=records)
        assert result.rejections == ["Record 12: Arus berisi bukan angka pada posisi 26."]
        assert result.transaction.records_kept == 11
        assert NfcCardRecord.objects.count() == LoadProfileRecord.objects.count() == 11

    def test_a_card_of_bad_records_only_still_sells_the_token(self, prepaid, meter):
        result = sell(prepaid.supervisor, records=["x" * 23, "1" * 30])
        assert result.created and len(result.rejections) == 2
        assert _written() == (1, 1, 0, 0)

    def test_a_keypad_meter_is_refused_before_any_sale(self, prepaid):
        installed_meter(prepaid.sp_a, KEYPAD)
        with pytest.raises(NotNfcMeter) as refused:
            sell(prepaid.supervisor, meter_number=KEYPAD)
        assert refused.value.field == "meter_number"
        assert "bukan meter prabayar dua arah NFC" in refused.value.message
        assert _written() == (0, 0, 0, 0)

    def test_a_postpaid_meter_is_refused_before_any_sale(self, prepaid, meter):
        meter.customer.payment_mode = PaymentMode.POSTPAID
        meter.customer.save()
        with pytest.raises(NotNfcMeter):
            sell(prepaid.supervisor)
        assert _written() == (0, 0, 0, 0)

    def test_a_removed_or_unknown_meter_is_not_found(self, prepaid, meter):
        with pytest.raises(NotFound, match="99999999999 tidak terpasang di unit Anda"):
            sell(prepaid.supervisor, meter_number="99999999999")
        meter.removed_at = date.today()
        meter.save()
        with pytest.raises(NotFound):
            sell(prepaid.supervisor)
        assert _written() == (0, 0, 0, 0)

    def test_a_counter_of_another_unit_gets_not_found_even_for_a_sold_receipt(self, prepaid, meter):
        with pytest.raises(NotFound):
            sell(prepaid.outsider)
        sell(prepaid.supervisor)
        with pytest.raises(NotFound):
            sell(prepaid.outsider)  # the same receipt, meter and amount: no token for it
        assert _written() == (1, 1, 12, 12)

    def test_a_field_officer_may_not_sell(self, prepaid, meter):
        with pytest.raises(NotAllowed):
            sell(prepaid.officer)

    def test_a_blank_receipt_names_its_field(self, prepaid, meter):
        with pytest.raises(InvalidInput) as refused:
            sell(prepaid.supervisor, receipt="  ")
        assert refused.value.field == "receipt_number"

    def test_an_amount_no_token_can_carry_is_refused(self, prepaid, meter):
        with pytest.raises(VendingRefused, match="melebihi isi satu token"):
            sell(prepaid.supervisor, amount="900000000000")
        assert _written() == (0, 0, 0, 0)

    def test_a_failure_while_keeping_the_card_leaves_no_sale_and_the_receipt_free(
        self, prepaid, meter, monkeypatch
    ):
        """The crashing process: the sale and its card are one transaction."""
        from meterops.prepaid.services import load_profiles

        def crash(*args, **kwargs):
            raise RuntimeError("database went away")

        with monkeypatch.context() as patched:
            patched.setattr(load_profiles, "_upsert_load_profile", crash)
            with pytest.raises(RuntimeError):
                sell(prepaid.supervisor)
        assert _written() == (0, 0, 0, 0)
        assert sell(prepaid.supervisor).created
        assert _written() == (1, 1, 12, 12)

    def test_a_month_read_again_without_arus_keeps_its_arus(self, prepaid, meter):
        sell(prepaid.supervisor, receipt="KW-1")
        sell(prepaid.supervisor, receipt="KW-2", records=SAMPLE_CARD)
        assert LoadProfileRecord.objects.get(period="201212").current_amp == Decimal("5.2")
        second = NfcTransaction.objects.get(reference="KW-2")
        assert not second.card_records.filter(current_amp__isnull=False).exists()
        assert NfcCardRecord.objects.count() == 24 and LoadProfileRecord.objects.count() == 12


class LoadProfilePageTests:
    def test_shows_the_arus_and_the_purchase_that_brought_each_month(
        self, prepaid, meter, client_for
    ):
        sell(prepaid.supervisor, receipt="KW-1")
        sell(prepaid.supervisor, receipt="KW-2", records=SAMPLE_CARD[:1])
        response = client_for(prepaid.supervisor).get(
            reverse("prepaid:load_profile"), {"meter_number": METER}
        )
        rows = {row["record"].period: row for row in response.context["profile"]["rows"]}
        assert rows["201212"]["source"] == "LOKET-NFC KW-2"
        assert rows["201211"]["source"] == "LOKET-NFC KW-1"
        html = response.content.decode()
        assert '<td class="current">5,2</td>' in html
        assert 'id="chart-current"' in html and "arus (maks 60,0 A)" in html


def _post(client, *, card=None, amount="100000", receipt="KW-1"):
    text = card if card is not None else "\n".join([METER, *SAMPLE_CARD_WITH_CURRENT])
    return client.post(
        reverse("prepaid:nfc_counter"),
        {"card_text": text, "amount": amount, "receipt_number": receipt},
    )


class NfcCounterPageTests:
    def test_sells_from_the_pasted_card_and_shows_the_token_and_payload(
        self, prepaid, meter, client_for
    ):
        client = client_for(prepaid.supervisor)
        response = _post(client)
        purchase = NfcTransaction.objects.get()
        assert response.url == reverse("prepaid:nfc_counter_receipt", args=[purchase.pk])
        page = client.get(response.url).content.decode()
        sale = purchase.sale
        assert sale.display() in page
        assert f'id="card-payload">{METER}\n{sale.token}</pre>' in page
        assert "Token terbit" in page and page.count("<tr><td>") == 12
        listing = client.get(reverse("prepaid:nfc_counter")).content.decode()
        assert "KW-1" in listing

    def test_the_form_sent_twice_is_one_sale(self, prepaid, meter, client_for):
        client = client_for(prepaid.supervisor)
        first, again = _post(client), _post(client)
        assert first.url == again.url
        assert TokenSale.objects.count() == 1
        assert (
            "sudah tercatat: ini token penjualan yang sama"
            in client.get(again.url).content.decode()
        )

    def test_a_card_without_its_meter_number_is_refused_on_the_card_field(
        self, prepaid, meter, client_for
    ):
        response = _post(client_for(prepaid.supervisor), card="\n".join(SAMPLE_CARD))
        assert "Kartu: baris pertama: no meter" in response.context["form"].errors["card_text"][0]
        assert not TokenSale.objects.exists()

    def test_a_keypad_meter_is_refused_on_the_card_field(self, prepaid, client_for):
        installed_meter(prepaid.sp_a, KEYPAD)
        card = "\n".join([KEYPAD, *SAMPLE_CARD])
        response = _post(client_for(prepaid.supervisor), card=card)
        assert (
            "bukan meter prabayar dua arah NFC" in response.context["form"].errors["card_text"][0]
        )
        assert not TokenSale.objects.exists()

    def test_another_units_meter_is_not_found_and_nothing_sold(self, prepaid, meter, client_for):
        response = _post(client_for(prepaid.outsider))
        assert response.status_code == 200
        assert "tidak terpasang di unit Anda" in response.content.decode()
        assert not TokenSale.objects.exists()

    def test_a_wrong_amount_names_its_field(self, prepaid, meter, client_for):
        response = _post(client_for(prepaid.supervisor), amount="abc")
        assert "amount" in response.context["form"].errors
        assert not TokenSale.objects.exists()

    def test_an_outsider_gets_404_for_a_receipt(self, prepaid, meter, client_for):
        purchase = sell(prepaid.supervisor).transaction
        url = reverse("prepaid:nfc_counter_receipt", args=[purchase.pk])
        assert client_for(prepaid.outsider).get(url).status_code == 404
        listing = client_for(prepaid.outsider).get(reverse("prepaid:nfc_counter"))
        assert "KW-1" not in listing.content.decode()

    def test_a_field_officer_gets_403(self, prepaid, meter, client_for):
        purchase = sell(prepaid.supervisor).transaction
        client = client_for(prepaid.officer)
        assert client.get(reverse("prepaid:nfc_counter")).status_code == 403
        url = reverse("prepaid:nfc_counter_receipt", args=[purchase.pk])
        assert client.get(url).status_code == 403

    def test_markup_in_a_customer_name_is_shown_as_text(self, prepaid, client_for):
        installed_meter(prepaid.sp_a, METER, name='<img src=x onerror="alert(1)">')
        client = client_for(prepaid.supervisor)
        page = client.get(_post(client).url).content.decode()
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
        assert "<img src=x" not in page
