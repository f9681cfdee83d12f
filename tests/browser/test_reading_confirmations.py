"""Bulk verification, Kirim ke AP2T and Sah/Setuju ask first, naming the day and the count
(issue #20): dismissed, nothing is sent; accepted, it is done."""

import pytest
from playwright.sync_api import expect

from meterops.reading.choices import ReadingState
from meterops.reading.models import Reading
from meterops.reading.services import verify_readings_as_supervisor
from tests.browser.conftest import PageWatch, login
from tests.conftest import build_cast
from tests.reading.helpers import (
    PERIOD,
    make_approver,
    make_customer,
    make_day,
    make_reading,
    make_route,
)


@pytest.fixture
def cast(transactional_db):
    cast = build_cast()
    cast.day = make_day(cast.sp_a, code="A", day_of_month=15)
    route = make_route(cast.day, "RBM-A1")
    for n in (1, 2, 3):
        make_reading(make_customer(route, n, customer_id=f"51001000000{n}"))
    make_approver(cast.sp_a)
    return cast


class Answer:
    """Answers the page's confirmation questions and keeps them, and the posts sent."""

    def __init__(self, page):
        self.questions, self.posts, self.accept = [], [], False
        page.on("dialog", self._answer)
        page.on("request", lambda r: r.method == "POST" and self.posts.append(r.url))

    def _answer(self, dialog):
        self.questions.append(dialog.message)
        dialog.accept() if self.accept else dialog.dismiss()


def _states():
    return sorted(Reading.objects.values_list("state", flat=True))


def test_dismissed_nothing_changes_accepted_it_is_done(cast, new_page):
    day = f"hari baca {cast.day} BLTH {PERIOD}"
    vendor = new_page()
    watch = PageWatch(vendor)
    login(vendor, "vendor.a")
    answer = Answer(vendor)
    vendor.goto(f"/reading/verifications/?reading_day={cast.day.pk}&period={PERIOD}")
    vendor.get_by_label("510010000001").check()
    vendor.get_by_label("510010000002").check()
    vendor.get_by_role("button", name="Setujui (Admin Vendor)").click()
    assert answer.questions == [f"Setujui 2 stan {day} sebagai Admin Vendor?"]
    assert answer.posts == [] and _states() == [ReadingState.READ] * 3

    answer.accept = True
    vendor.get_by_label("Semua sesuai filter").check()
    vendor.get_by_role("button", name="Setujui (Admin Vendor)").click()
    expect(vendor.locator(".alert-success")).to_contain_text("3 stan diproses")
    assert answer.questions[-1] == f"Setujui 3 stan {day} sebagai Admin Vendor?"

    verify_readings_as_supervisor(actor=cast.supervisor, readings=Reading.objects.all())
    vendor.reload()
    answer.accept, answer.posts = False, []
    vendor.get_by_role("button", name="Kirim ke AP2T").click()
    assert answer.questions[-1] == f"Kirim 3 stan terverifikasi {day} ke AP2T untuk disahkan?"
    assert answer.posts == [] and _states() == [ReadingState.VERIFIED] * 3
    answer.accept = True
    vendor.get_by_role("button", name="Kirim ke AP2T").click()
    expect(vendor.locator(".alert-success")).to_contain_text("3 stan diproses")
    watch.assert_clean(vendor)

    approver = new_page()
    login(approver, "spvte.a")
    answer = Answer(approver)
    approver.goto("/reading/approvals/")
    expect(approver.locator("#pending-days-table")).to_contain_text(PERIOD)
    approver.get_by_role("button", name="Sah/Setuju").click()
    assert answer.questions == [f"Sahkan 3 stan {day} ke posting 1 fungsi 2?"]
    assert answer.posts == [] and _states() == [ReadingState.SENT] * 3
    answer.accept = True
    approver.get_by_role("button", name="Sah/Setuju").click()
    expect(approver.locator(".alert-success")).to_contain_text("Sukses: 3 pelanggan disahkan")
    expect(approver.locator("#nothing-waiting")).to_be_visible()
    assert _states() == [ReadingState.APPROVED] * 3
