"""Which field officers may take work in a unit: one rule, asked by every page that assigns."""

import pytest
from django.urls import reverse

from meterops.core.choices import RoleCode
from meterops.core.services import field_officers_for
from tests.factories import ContractorFactory, UserFactory

pytestmark = pytest.mark.django_db


def officer(username, **placement):
    return UserFactory(username=username, roles=[RoleCode.FIELD_OFFICER], **placement)


@pytest.fixture
def crew(cast):
    """Officers in and around sp_a, and some who must never be offered for it."""
    return {
        "own": cast.officer,
        "area": officer("petugas.up3", unit=cast.area_a),
        "mitra_a": officer("petugas.mitra.a", contractor=cast.contractor_a),
        "other_ulp": officer("petugas.a2", unit=cast.sp_a2),
        "outsider": officer("petugas.b", unit=cast.sp_b),
        "mitra_b": officer("petugas.mitra.b", contractor=cast.contractor_b),
        "inactive": officer("petugas.keluar", unit=cast.sp_a, is_active=False),
    }


class FieldOfficersForTests:
    def test_offers_the_units_ancestors_and_its_contractors_officers(self, cast, crew):
        offered = set(field_officers_for(cast.sp_a, actor=cast.supervisor))
        assert offered == {crew["own"], crew["area"], crew["mitra_a"]}

    def test_offers_officers_of_units_below(self, cast, crew):
        offered = set(field_officers_for(cast.area_a, actor=cast.area_user))
        assert {crew["own"], crew["area"], crew["mitra_a"], crew["other_ulp"]} == offered

    def test_never_offers_another_units_or_contractors_officer(self, cast, crew):
        for actor in (cast.supervisor, cast.unit_admin, cast.admin, cast.vendor_a):
            offered = set(field_officers_for(cast.sp_a, actor=actor))
            assert not offered & {crew["outsider"], crew["mitra_b"], crew["inactive"]}

    def test_a_contractors_user_sees_only_its_own_officers(self, cast, crew):
        assert set(field_officers_for(cast.sp_a, actor=cast.vendor_a)) == {crew["mitra_a"]}

    def test_a_contractor_officer_placed_elsewhere_is_not_offered(self, cast, crew):
        shared = ContractorFactory(units=[cast.area_a, cast.area_b])
        in_b = officer("petugas.bersama.b", contractor=shared, placed_units=[cast.area_b])
        in_a = officer("petugas.bersama.a", contractor=shared, placed_units=[cast.area_a])
        offered = set(field_officers_for(cast.sp_a, actor=cast.supervisor))
        assert in_a in offered and in_b not in offered

    def test_an_inactive_contractors_officers_are_not_offered(self, cast, crew):
        cast.contractor_a.is_active = False
        cast.contractor_a.save()
        assert crew["mitra_a"] not in field_officers_for(cast.sp_a, actor=cast.supervisor)

    def test_order_lapangan_offers_the_same_officers(self, cast, crew, client_for):
        page = client_for(cast.supervisor).get(reverse("fieldwork:order_list"))
        offered = set(page.context["assign_form"].fields["officer"].queryset)
        assert offered == set(field_officers_for(cast.sp_a, actor=cast.supervisor))
