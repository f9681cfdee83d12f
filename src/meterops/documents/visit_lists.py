"""Daftar kunjungan: the customers an officer visits on a day, in route (RBM) order, with the
form's empty columns where the officer writes what the customer said and the keterangan, and the
customer initials or signs (seed 004 §V, "Membawa daftar pelanggan yang akan dikunjungi, sesuai
form"). Orders are read through their attributes only, so this module imports no domain."""

import io
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from meterops.core.formats import number

from .layout import unit_lines
from .text import lines, paragraph

CELL = ParagraphStyle("cell", fontName="Helvetica", fontSize=8, leading=9.5)
HEAD = ParagraphStyle("head", parent=CELL, fontName="Helvetica-Bold")
HEADINGS = (
    "No",
    "IDPEL / Nama",
    "Alamat",
    "RBM / Urut",
    "Tarif / Daya",
    "Order",
    "Informasi dari pelanggan",
    "Keterangan",
    "Paraf / tanda tangan",
)
# Points; the empty columns get room to write in by hand.
WIDTHS = (20, 110, 150, 62, 60, 80, 100, 85, 75)
WRITING_ROOM = 12 * mm  # the least height of a row: room to write in by hand


def _row(index: int, order) -> list:
    customer = order.customer
    kind = [order.get_kind_display()]
    if getattr(order, "campaign", None) is not None:
        kind.append(order.campaign.name)
    return [
        paragraph(number(index), CELL),
        lines([customer.customer_id, customer.name], CELL),
        paragraph(customer.address or "-", CELL),
        lines([customer.route or "-", customer.route_sequence or "-"], CELL),
        lines([customer.tariff, f"{number(customer.power_va)} VA"], CELL),
        lines([order.reference, *kind], CELL),
        "",
        "",
        Spacer(1, WRITING_ROOM),
    ]


def visit_list_pdf(*, unit, officer_name: str, day: date, orders: Sequence, zone: str) -> bytes:
    """One officer's visits of one day as a table on landscape A4, repeated headings on every
    page, and the count and print time in the unit's zone."""
    buffer = io.BytesIO()
    printed = timezone.localtime(timezone.now(), ZoneInfo(zone))
    story = [lines(unit_lines(unit), HEAD), Spacer(1, 4)]
    story.append(paragraph("DAFTAR PELANGGAN YANG AKAN DIKUNJUNGI", "Title"))
    story.append(
        lines(
            [
                f"Petugas: {officer_name}",
                f"Tanggal kunjungan: {day:%d-%m-%Y} · {number(len(orders))} pelanggan",
                f"Dicetak {printed:%d-%m-%Y %H:%M} {printed.tzname()}",
            ],
            CELL,
        )
    )
    story.append(Spacer(1, 6))
    data = [[paragraph(h, HEAD) for h in HEADINGS]]
    data += [_row(i, order) for i, order in enumerate(orders, start=1)]
    table = Table(data, colWidths=WIDTHS, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"Daftar kunjungan {day:%d-%m-%Y}",
        author="meterops",
    )
    document.build(story)
    return buffer.getvalue()
