"""Cetak PK: the work order for a meter replacement, one page each, many in one PDF (seed 000)."""

import io
from collections.abc import Iterable

from django.utils import timezone
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from meterops.core.formats import number

from .layout import MARGIN, draw_letterhead, draw_rows

PAGE_WIDTH, PAGE_HEIGHT = A4
LINE = 6 * mm
# Enough lines for a Keterangan of the longest length accepted (500 characters).
NOTES_LINES = 8
NEW_METER_BOXES = (
    "Merk / type meter baru",
    "No meter baru",
    "Stan awal meter baru (kWh)",
    "No segel",
    "Stan akhir meter lama (kWh)",
    "Tanggal ganti",
)


def render_work_orders(work_orders: Iterable) -> bytes:
    """One A4 page per work order: unit header, number with QR code, data and signature boxes."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle("Perintah Kerja Ganti Meter")
    canvas.setAuthor("meterops")
    for work_order in work_orders:
        _page(canvas, work_order)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _page(canvas: Canvas, work_order) -> None:
    target = work_order.target
    customer, meter = target.customer, target.meter
    top = PAGE_HEIGHT - MARGIN
    draw_letterhead(canvas, work_order.unit, top=top, width=PAGE_WIDTH - 2 * MARGIN - 40 * mm)
    _qr(canvas, work_order.number, PAGE_WIDTH - MARGIN - 32 * mm, top - 30 * mm, 32 * mm)
    y = top - 34 * mm
    canvas.setFont("Helvetica-Bold", 15)
    canvas.drawCentredString(PAGE_WIDTH / 2, y, "PERINTAH KERJA (PK) GANTI kWh METER")
    y -= 7 * mm
    canvas.setFont("Helvetica", 11)
    canvas.drawCentredString(PAGE_WIDTH / 2, y, f"Nomor: {work_order.number}")
    printed = timezone.localtime(work_order.printed_at)
    y -= 5 * mm
    canvas.setFont("Helvetica", 9)
    canvas.drawCentredString(
        PAGE_WIDTH / 2,
        y,
        f"Tanggal cetak: {printed:%d-%m-%Y %H:%M} {printed.tzname()} · cetakan ke-"
        f"{number(_copy(work_order))}",
    )
    y -= 10 * mm
    y = _section(
        canvas,
        y,
        "DATA PELANGGAN",
        [
            ("IDPEL", customer.customer_id),
            ("Nama", customer.name),
            ("Alamat", customer.address, 3),
            ("Tarif / Daya", f"{customer.tariff} / {number(customer.power_va)} VA"),
            ("Gardu / RBM", f"{customer.substation or '-'} / {customer.route or '-'}"),
            ("Koordinat", _coordinates(target, customer)),
        ],
    )
    y = _section(
        canvas,
        y,
        "DATA APP RUSAK",
        [
            ("Merk / Type", f"{meter.brand} {meter.model}" if meter else "-"),
            (
                "No meter / No pabrik",
                f"{meter.meter_number} / {meter.serial_number or '-'}" if meter else "-",
            ),
            ("Nomor TO / Sumber", f"{target.reference} / {target.get_source_display()}"),
            ("Jenis kerusakan", str(target.damage_type)),
            (
                "Stan saat ditemukan",
                f"{number(target.reading_at_discovery)} kWh"
                if target.reading_at_discovery is not None
                else "-",
            ),
            ("Keterangan", target.notes or "-", NOTES_LINES),
        ],
    )
    officer = work_order.assigned_to
    y = _section(
        canvas,
        y,
        "PELAKSANA (kotak di bawah diisi petugas di lokasi)",
        [("Petugas", officer.get_full_name() or officer.username if officer else "(belum)")],
    )
    y = _new_meter_boxes(canvas, y + 3 * mm)
    _signature_boxes(canvas, y - 2 * mm)


def _copy(work_order) -> int:
    """The copy this paper is: as its print batch recorded it, else the latest count."""
    return getattr(work_order, "copy", None) or work_order.print_count


def _coordinates(target, customer) -> str:
    latitude = target.latitude or customer.latitude
    longitude = target.longitude or customer.longitude
    # Decimal commas, so a semicolon parts the two.
    return f"{number(latitude)}; {number(longitude)}" if latitude is not None else "-"


def _new_meter_boxes(canvas: Canvas, y: float) -> float:
    """Empty boxes the officer fills in by hand at the premises (Data APP Ganti, seed 000)."""
    columns, gap, height = 3, 2 * mm, 11 * mm
    width = (PAGE_WIDTH - 2 * MARGIN - (columns - 1) * gap) / columns
    top = y - 2 * mm
    for index, label in enumerate(NEW_METER_BOXES):
        x = MARGIN + (index % columns) * (width + gap)
        box_top = top - (index // columns) * (height + gap)
        canvas.rect(x, box_top - height, width, height)
        canvas.setFont("Helvetica", 7.5)
        canvas.drawString(x + 1.5 * mm, box_top - 3.5 * mm, label)
    rows = -(-len(NEW_METER_BOXES) // columns)
    return top - rows * (height + gap)


def _section(canvas: Canvas, y: float, title: str, rows: list[tuple]) -> float:
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(MARGIN, y, title)
    canvas.line(MARGIN, y - 1.5 * mm, PAGE_WIDTH - MARGIN, y - 1.5 * mm)
    y = draw_rows(canvas, y - LINE, rows, font_size=9.5, line=LINE)
    return y - 3 * mm


def _qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    widget = QrCodeWidget(text)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def _signature_boxes(canvas: Canvas, y: float) -> None:
    titles = ["Pengawas PLN", "Petugas Pelaksana", "Pelanggan"]
    width = (PAGE_WIDTH - 2 * MARGIN - 2 * 5 * mm) / 3
    height = 26 * mm
    for index, title in enumerate(titles):
        x = MARGIN + index * (width + 5 * mm)
        canvas.rect(x, y - height, width, height)
        canvas.setFont("Helvetica-Bold", 9)
        canvas.drawCentredString(x + width / 2, y - 5 * mm, title)
        canvas.setFont("Helvetica", 8)
        canvas.drawCentredString(x + width / 2, y - height + 4 * mm, "( nama & tanda tangan )")
