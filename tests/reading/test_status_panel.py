"""Cek Status Terakhir shows where each recent reading of the customer stands (issue 7, item 7)."""

from django.urls import reverse

from meterops.reading.choices import ReadingState
from tests.reading.helpers import make_customer, make_day, make_reading, make_route


class ReadingStatusPanelTests:
    def test_shows_each_recent_period_and_its_state(self, cast, client_for):
        customer = make_customer(make_route(make_day(cast.sp_a)))
        make_reading(customer, period="202601", register="1000", state=ReadingState.READ)
        make_reading(customer, period="202602", register="1100", state=ReadingState.READ)
        page = (
            client_for(cast.officer)
            .get(reverse("core:status"), {"customer_id": customer.customer_id})
            .content.decode()
        )
        table = page.split('id="reading-status"')[1].split("</table>")[0]
        assert "202602" in table and "202601" in table
        assert str(ReadingState.READ.label) in table

    def test_outsider_never_reaches_the_panel(self, cast, client_for):
        customer = make_customer(make_route(make_day(cast.sp_a)))
        make_reading(customer, period="202601")
        page = (
            client_for(cast.outsider)
            .get(reverse("core:status"), {"customer_id": customer.customer_id})
            .content.decode()
        )
        assert 'id="reading-status"' not in page
