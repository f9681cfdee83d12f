"""The field app asks for its work list again cheaply (issue #22): If-None-Match and since,
a changed item merged into the kept list, an unchanged list a 304, the kept list offline."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from meterops.replacement.models import DamageType, ReplacementTarget
from tests.browser.test_mobile import _work_list, field  # noqa: F401 - the officer and his PK


def _is_work_list(response):
    return "/api/work-list" in response.url


def test_the_app_revalidates_and_merges_what_changed(field, new_page):  # noqa: F811
    page = _work_list(new_page)
    item = page.locator(".work-item")
    expect(item).to_contain_text("Display mati / blank")

    burnt, _ = DamageType.objects.get_or_create(code="terbakar", defaults={"name": "Terbakar"})
    ReplacementTarget.objects.filter(pk=field.order.target_id).update(
        damage_type=burnt, updated_at=timezone.now() + timedelta(seconds=1)
    )
    with page.expect_response(_is_work_list) as changed:
        page.get_by_role("button", name="Ambil daftar kerja").tap()
    answer = changed.value
    assert answer.status == 200
    assert "since=" in answer.url
    assert answer.request.headers.get("if-none-match")
    expect(item).to_contain_text(burnt.name)
    expect(item).to_have_count(1)

    with page.expect_response(_is_work_list) as unchanged:
        page.get_by_role("button", name="Ambil daftar kerja").tap()
    assert unchanged.value.status == 304
    expect(item).to_contain_text(burnt.name)

    page.context.set_offline(True)
    page.get_by_role("button", name="Ambil daftar kerja").tap()
    expect(page.locator("#work-fetched")).to_contain_text("Tidak ada sinyal")
    expect(item).to_contain_text(burnt.name)
