"""Rows of keychange's scoped models in a unit, for the matrix in tests/core/test_scoping.py."""

from meterops.core.choices import RoleCode
from meterops.keychange.models import KeyChangeToken, VkrnTally
from meterops.keychange.services import CampaignFilter, count_meters_by_vkrn, generate_campaign
from meterops.vending.demo import store_test_keys
from tests.factories import UserFactory
from tests.keychange.helpers import old_key_meter


def _campaign(unit):
    store_test_keys(unit)
    old_key_meter(unit)
    planner = UserFactory(unit=unit, roles=[RoleCode.UNIT_ADMIN])
    return generate_campaign(actor=planner, unit=unit, name="uji", where=CampaignFilter())


def _tally(unit):
    old_key_meter(unit)
    count_meters_by_vkrn()
    return VkrnTally.objects.get(unit=unit)


ROW_IN_UNIT = {
    "keychange.Campaign": _campaign,
    "keychange.CampaignTarget": lambda unit: _campaign(unit).targets.get(),
    "keychange.KeyChangeToken": lambda unit: KeyChangeToken.objects.get(
        target__campaign=_campaign(unit)
    ),
    "keychange.VkrnTally": _tally,
}
