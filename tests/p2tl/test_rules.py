"""Each P2TL rule on its own, then the ranking that weighs them (issue #23)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from meterops.core.models import UnitSettings
from meterops.fieldwork.choices import OrderKind
from meterops.p2tl import services
from meterops.p2tl.models import P2tlSettings
from tests.factories import CustomerFactory
from tests.reading.helpers import anomaly

from .helpers import (
    card_months,
    done_order,
    failed_kct,
    prepaid_customer,
    reading,
    reading_customer,
    token_calls,
    token_sale,
)


def window(cast, unit=None):
    unit = unit or cast.sp_a
    return services.window_for(unit, [unit.pk])


def hits(rule, w) -> dict[int, int]:
    return {row["suspect"]: row["hits"] for row in rule(w)}


@pytest.mark.django_db
class TamperTests:
    def test_counts_the_months_with_status_08(self, cast):
        customer = prepaid_customer(cast.sp_a)
        card_months(customer, tamper=(0, 2), months=4)
        card_months(prepaid_customer(cast.sp_a))
        assert hits(services.tamper_months, window(cast)) == {customer.pk: 2}

    def test_a_month_before_the_lookback_does_not_count(self, cast):
        customer = prepaid_customer(cast.sp_a)
        card_months(customer, tamper=(13,), months=14)
        assert hits(services.tamper_months, window(cast)) == {}

    def test_another_units_meter_is_not_counted(self, cast):
        card_months(prepaid_customer(cast.sp_b), tamper=(0,))
        assert hits(services.tamper_months, window(cast)) == {}


@pytest.mark.django_db
class VoltageTests:
    def test_months_outside_the_units_band_count(self, cast):
        low = prepaid_customer(cast.sp_a)
        card_months(low, voltage=180, months=2)
        card_months(prepaid_customer(cast.sp_a), voltage=220)
        assert hits(services.voltage_out_months, window(cast)) == {low.pk: 2}

    def test_the_band_is_the_units_own_setting(self, cast):
        UnitSettings.objects.create(unit=cast.area_a, voltage_low=170, voltage_high=240)
        card_months(prepaid_customer(cast.sp_a), voltage=180)
        assert hits(services.voltage_out_months, window(cast)) == {}


@pytest.mark.django_db
class RegisterTests:
    def test_backwards_and_unexplained_zero_count(self, cast):
        backwards = reading_customer(cast.sp_a)
        reading(backwards, 1, flag_negative=True)
        zero = reading_customer(cast.sp_a)
        reading(zero, 0, flag_zero=True)
        reading(zero, 1, flag_zero=True)
        assert hits(services.register_backwards_or_zero, window(cast)) == {
            backwards.pk: 1,
            zero.pk: 2,
        }

    def test_a_zero_explained_by_disconnection_does_not_count(self, cast):
        cut = reading_customer(cast.sp_a)
        reading(cut, 0, flag_zero=True, flag_disconnected=True)
        reading(cut, 1, flag_disconnected=True)
        assert hits(services.register_backwards_or_zero, window(cast)) == {}


@pytest.mark.django_db
class PrepaidRegisterTests:
    def test_a_stand_that_does_not_rise_while_tokens_are_bought_counts(self, cast):
        stuck = prepaid_customer(cast.sp_a)
        token_sale(card_months(stuck, stuck=True))
        assert hits(services.prepaid_register_stuck_while_buying, window(cast)) == {stuck.pk: 1}

    def test_a_rising_stand_or_no_purchase_does_not_count(self, cast):
        token_sale(card_months(prepaid_customer(cast.sp_a)))
        card_months(prepaid_customer(cast.sp_a), stuck=True)
        assert hits(services.prepaid_register_stuck_while_buying, window(cast)) == {}


@pytest.mark.django_db
class DropAfterVisitTests:
    def _readings(self, customer, consumption):
        # The reading of this month holds the 3-month average before it (validation).
        return reading(customer, 0, consumption_kwh=Decimal(consumption), average_kwh=Decimal(300))

    def test_a_sharp_drop_after_a_finished_field_order_counts(self, cast):
        customer = reading_customer(cast.sp_a)
        done_order(customer, days_ago=40)
        self._readings(customer, "100")
        assert hits(services.consumption_drop_after_visit, window(cast)) == {customer.pk: 1}

    def test_a_drop_without_a_visit_or_a_mild_one_does_not_count(self, cast):
        unvisited = reading_customer(cast.sp_a)
        self._readings(unvisited, "100")
        mild = reading_customer(cast.sp_a)
        done_order(mild, days_ago=40)
        self._readings(mild, "200")
        assert hits(services.consumption_drop_after_visit, window(cast)) == {}

    def test_a_visit_long_before_does_not_explain_the_drop(self, cast):
        customer = reading_customer(cast.sp_a)
        done_order(customer, days_ago=200)
        self._readings(customer, "100")
        assert hits(services.consumption_drop_after_visit, window(cast)) == {}

    def test_a_home_replacement_is_a_visit(self, cast):
        from tests.replacement.scope_rows import _replacement

        replacement = _replacement(cast.sp_a)
        type(replacement).objects.filter(pk=replacement.pk).update(
            replaced_on=timezone.localdate() - timedelta(days=40)
        )
        customer = replacement.target.customer
        from tests.reading.helpers import make_day, make_route

        customer.route = make_route(make_day(cast.sp_a, code="R9"))
        customer.save()
        self._readings(customer, "50")
        assert hits(services.consumption_drop_after_visit, window(cast)) == {customer.pk: 1}


@pytest.mark.django_db
class OtherDomainsTests:
    def test_sampling_with_an_lbkb_counts(self, cast):
        found = prepaid_customer(cast.sp_a)
        done_order(found, OrderKind.PREPAID_SAMPLING, days_ago=5, anomaly=anomaly())
        done_order(prepaid_customer(cast.sp_a), OrderKind.PREPAID_SAMPLING, days_ago=5)
        assert hits(services.prepaid_sampling_anomalies, window(cast)) == {found.pk: 1}

    def test_a_failed_kct_counts(self, cast):
        customer = failed_kct(cast, cast.sp_a)
        assert hits(services.kct_failures, window(cast)) == {customer.pk: 1}

    def test_token_calls_count_from_the_minimum_within_the_days(self, cast):
        repeated, once, old = (CustomerFactory(unit=cast.sp_a) for _ in range(3))
        token_calls(repeated, 3)
        token_calls(once, 1)
        token_calls(old, 3, days_ago=120)
        assert hits(services.repeated_token_calls, window(cast)) == {repeated.pk: 3}


@pytest.mark.django_db
class RankingTests:
    def test_weighted_signals_rank_and_explain_each_customer(self, cast):
        both = prepaid_customer(cast.sp_a)
        card_months(both, tamper=(0,))
        token_calls(both, 2)
        calls_only = prepaid_customer(cast.sp_a)
        token_calls(calls_only, 5)
        CustomerFactory(unit=cast.sp_a)  # no signal: not listed
        rows = services.suspect_rows(window(cast))
        assert [(r.customer_id, r.score) for r in rows] == [(both.pk, 45), (calls_only.pk, 15)]
        assert rows[0].reasons() == [
            "Status tamper 08 pada 1 bulan load profile",
            "Keluhan token tidak bisa masuk: 2 kali",
        ]
        assert services.suspect_total(window(cast)) == 2

    def test_the_units_weights_decide_and_a_zero_weight_drops_the_signal(self, cast):
        tampered = prepaid_customer(cast.sp_a)
        card_months(tampered, tamper=(0,))
        caller = prepaid_customer(cast.sp_a)
        token_calls(caller, 2)
        P2tlSettings.objects.create(unit=cast.area_a, weight_tamper=0, weight_token_calls=40)
        rows = services.suspect_rows(window(cast))  # sp_a inherits UP3 ALFA's weights
        assert [(r.customer_id, r.score) for r in rows] == [(caller.pk, 40)]
