from django.urls import reverse

from meterops.replacement.services import print_work_orders, verify_target


def _home(response):
    return [p["data"] for p in response.context["panels"] if "replacement" in p["template"]]


class HomePanelTests:
    def test_counts_states_and_printed_work_orders(self, cast, client_for, customer, make_target):
        target = verify_target(target=make_target(customer), actor=cast.supervisor)
        print_work_orders(targets=[target], actor=cast.supervisor)
        response = client_for(cast.area_user).get(reverse("core:dashboard"))
        (panel,) = _home(response)
        (row,) = panel["rows"]
        assert row["unit"] == "ULP ALFA SATU" and row["printed"] == 1
        assert panel["open_targets"] == 1
        assert 'id="home-chart"' in response.content.decode()

    def test_a_month_without_prints_says_so_instead_of_an_empty_chart(
        self, cast, client_for, customer, make_target
    ):
        make_target(customer)
        page = client_for(cast.area_user).get(reverse("core:dashboard")).content.decode()
        assert 'id="home-chart"' not in page
        assert "Belum ada PK dicetak atau meter diganti bulan ini." in page

    def test_outsider_sees_no_figures_of_other_units(self, cast, client_for, customer, make_target):
        make_target(customer)
        response = client_for(cast.outsider).get(reverse("core:dashboard"))
        (panel,) = _home(response)
        assert panel["rows"] == [] and panel["open_targets"] == 0

    def test_dashboard_query_count_is_bounded(
        self, cast, client_for, customer, make_target, django_assert_max_num_queries
    ):
        make_target(customer)
        client = client_for(cast.admin)
        with django_assert_max_num_queries(30):
            client.get(reverse("core:dashboard"))
