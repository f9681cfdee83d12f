"""The one walk up the unit tree: a unit's ancestors, and the nearest one's row of a model."""

import pytest

from meterops.complaints.models import ComplaintSettings
from meterops.core.models import Contractor, UnitSettings
from meterops.reading.models import ReadingSettings

pytestmark = pytest.mark.django_db


class UnitTreeTests:
    def test_ancestor_codes_run_from_the_root_to_the_unit(self, cast):
        assert cast.sp_a.ancestor_codes() == ["50000", "51000", "51001"]

    def test_nearest_row_is_the_units_own_then_the_closest_ancestors(self, cast):
        UnitSettings.objects.create(unit=cast.region, overdue_work_order_days=30)
        area = UnitSettings.objects.create(unit=cast.area_a, overdue_work_order_days=7)
        assert cast.sp_a.nearest(UnitSettings.objects.all()) == area
        assert cast.sp_b.settings_or_default().overdue_work_order_days == 30
        own = UnitSettings.objects.create(unit=cast.sp_a, overdue_work_order_days=3)
        assert cast.sp_a.settings_or_default() == own

    def test_nothing_above_gives_the_defaults(self, cast):
        assert cast.sp_a.nearest(UnitSettings.objects.all()) is None
        assert cast.sp_a.settings_or_default().pk is None

    def test_every_unit_settings_model_inherits_the_same_way(self, cast):
        ReadingSettings.objects.create(unit=cast.area_a, window_days=5)
        ComplaintSettings.objects.create(unit=cast.region, outage_sla_hours=2)
        assert ReadingSettings.for_unit(cast.sp_a).window_days == 5
        assert ReadingSettings.for_unit(cast.sp_b).pk is None
        assert ComplaintSettings.for_unit(cast.sp_a).outage_sla_hours == 2

    def test_nearest_follows_a_many_to_many_lookup(self, cast):
        assert cast.sp_a.nearest(Contractor.objects.all(), via="units") == cast.contractor_a
        assert cast.sp_a2.nearest(Contractor.objects.all(), via="units") == cast.contractor_a
        assert cast.region.nearest(Contractor.objects.all(), via="units") is None
