"""Prepaid meters on the old key, the test vending keys, and a campaign ready to work on."""

from meterops.customers.choices import PaymentMode
from meterops.keychange.models import DisplayExpectation
from meterops.keychange.services import CampaignFilter, generate_campaign
from meterops.vending.demo import store_test_keys
from tests.factories import CustomerFactory, MeterFactory


def old_key_meter(unit, *, brand="HEXING", model="HXE110-KP", tariff="R1", **fields):
    customer = CustomerFactory(unit=unit, payment_mode=PaymentMode.PREPAID, tariff=tariff)
    values = {"supply_group": "600001", "tariff_index": "01", "vkrn": 41, "key_revision": 1}
    values["key_type"] = 2
    values.update(fields)
    return MeterFactory(customer=customer, brand=brand, model=model, **values)


def lampiran_i():
    for brand, hint, display in (
        ("HEXING", "", "KRN 02 KT 02"),
        ("ITRON", "", "2-2"),
        ("ITRON", "ACE 9000", "REV 2"),
        ("STAR", "", "2"),
    ):
        DisplayExpectation.objects.update_or_create(
            brand=brand, model_hint=hint, defaults={"expected_display": display}
        )


def prepare_keys(cast):
    store_test_keys(cast.region)
    lampiran_i()


def campaign_with(cast, meters, *, actor=None, unit=None):
    prepare_keys(cast)
    return generate_campaign(
        actor=actor or cast.unit_admin,
        unit=unit or cast.area_a,
        name="KRN-2 UP3 ALFA",
        where=CampaignFilter(),
        contractor=cast.contractor_a,
    )
