"""The PK paper (seed 000, Cetak PK): boxes for the new meter the officer fills in by hand,
Keterangan printed whole and inside the margins, numbers the Indonesian way (issue #20)."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from meterops.documents.layout import MARGIN
from meterops.documents.work_orders import render_work_orders
from meterops.replacement.models import ReplacementTarget
from meterops.replacement.queries import work_orders_for
from meterops.replacement.services import print_work_orders, verify_target
from tests.documents.test_hostile_text import _runs

WORDS = "meter terbakar di terminal, segel putus, pelanggan minta segera diganti "


@pytest.fixture
def paper(cast, customer, make_target):
    """The PK of a target, with its Keterangan; the page's reader."""

    def make(notes: str):
        target = verify_target(target=make_target(customer), actor=cast.supervisor)
        # Written as an old row would be: the 500-character limit is checked on input only.
        ReplacementTarget.objects.filter(pk=target.pk).update(notes=notes)
        print_work_orders(targets=[target], actor=cast.supervisor)
        content = render_work_orders(work_orders_for(cast.supervisor).filter(target=target))
        return PdfReader(io.BytesIO(content)).pages[0]

    return make


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_has_boxes_for_the_new_meter(paper):
    text = paper("-").extract_text()
    for label in ("Merk / type meter baru", "No meter baru", "Stan awal meter baru", "No segel"):
        assert label in text


def test_keterangan_of_the_longest_length_accepted_is_printed_whole(paper):
    """Before: it was cut with an ellipsis after three lines (about 200 characters)."""
    notes = (WORDS * 8)[:500].strip() + " AKHIR"
    text = _flat(paper(notes).extract_text())
    assert _flat(notes) in text


def test_a_2000_character_keterangan_stays_within_the_page(paper):
    page = paper((WORDS * 30)[:2000])
    width = float(page.mediabox.width)
    runs = _runs(page)
    notes_runs = [run for run in runs if "terminal" in run[0] or "segel putus" in run[0]]
    assert len(notes_runs) >= 6  # wrapped over several lines, not one line off the page
    for run, font, size, x, y in runs:
        right = x + stringWidth(run, font, size)
        assert right <= width - MARGIN + 0.5, f"{run[:30]!r} passes the right margin"
        assert y >= MARGIN - 0.5, f"{run[:30]!r} passes the bottom margin (y={y:.0f})"


def test_numbers_are_printed_the_indonesian_way(paper, customer):
    customer.power_va = 1300
    customer.latitude, customer.longitude = Decimal("-6.9175"), Decimal("107.6191")
    customer.save()
    text = paper("-").extract_text()
    assert "1.300 VA" in text
    assert "1.500,50 kWh" in text  # the stan at discovery
    assert "-6,917500; 107,619100" in text
