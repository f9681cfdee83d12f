"""Notices to customers (seed 004): TUL VI-01 (pemberitahuan pemutusan sementara, two sheets:
the customer's and the officer's, where the stand and the date of disconnection are written) and
TUL II-04 (pemberitahuan for a closed house met during reading). One A4 page per sheet."""

import io
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.utils import timezone
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from meterops.core.formats import number, rupiah

from .layout import MARGIN, PAGE_HEIGHT, PAGE_WIDTH, draw_letterhead, draw_rows
from .text import draw_value

LINE = 6 * mm
SIGNER_STYLE = ParagraphStyle(
    "signer", fontName="Helvetica", fontSize=10, leading=12.5, alignment=TA_CENTER
)


def _header(canvas: Canvas, unit, title: str, form: str, sheet: str = "") -> float:
    top = PAGE_HEIGHT - MARGIN
    draw_letterhead(canvas, unit, top=top, width=PAGE_WIDTH - 2 * MARGIN - 45 * mm)
    canvas.setFont("Helvetica", 9)
    canvas.drawRightString(PAGE_WIDTH - MARGIN, top, form)
    if sheet:
        canvas.drawRightString(PAGE_WIDTH - MARGIN, top - 4.5 * mm, sheet)
    y = top - 30 * mm
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawCentredString(PAGE_WIDTH / 2, y, title)
    return y - 10 * mm


def _rows(canvas: Canvas, y: float, rows: list[tuple]) -> float:
    return draw_rows(canvas, y, rows, font_size=10, line=LINE)


def _paragraph(canvas: Canvas, y: float, lines: list[str]) -> float:
    canvas.setFont("Helvetica", 10)
    for line in lines:
        canvas.drawString(MARGIN, y, line)
        y -= 5 * mm
    return y


def _signature(canvas: Canvas, y: float, left: str, right: str, right_name: str) -> None:
    width = (PAGE_WIDTH - 2 * MARGIN) / 2
    for x, text in ((MARGIN, left), (MARGIN + width, right)):
        _centred(canvas, text, x=x, y=y, width=width)
    canvas.line(MARGIN + 10 * mm, y - 25 * mm, MARGIN + width - 10 * mm, y - 25 * mm)
    canvas.line(MARGIN + width + 10 * mm, y - 25 * mm, PAGE_WIDTH - MARGIN - 10 * mm, y - 25 * mm)
    _centred(canvas, right_name, x=MARGIN + width, y=y - 30 * mm, width=width)


def _centred(canvas: Canvas, text: str, *, x: float, y: float, width: float) -> None:
    draw_value(
        canvas, text, x=x + 5 * mm, y=y, width=width - 10 * mm, style=SIGNER_STYLE, max_lines=2
    )


def render_disconnection_notices(
    arrears: Iterable, *, signer: str, signer_title: str, zones: dict[int, str]
) -> bytes:
    """TUL VI-01 for each arrears row: the customer's sheet and the officer's second sheet,
    signed by the unit's Manajer or designated official; dated in the customer's unit's zone."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle("TUL VI-01 Pemberitahuan Pemutusan Sementara")
    canvas.setAuthor("meterops")
    now = timezone.now()
    for a in arrears:
        printed = timezone.localtime(now, ZoneInfo(zones[a.unit_id]))
        for sheet in ("Lembar 1: untuk pelanggan", "Lembar 2: untuk petugas"):
            c = a.customer
            y = _header(canvas, a.unit, "PEMBERITAHUAN PEMUTUSAN SEMENTARA", "TUL VI-01", sheet)
            y = _rows(
                canvas,
                y,
                [
                    ("IDPEL", c.customer_id),
                    ("Nama", c.name),
                    ("Alamat", c.address or "-", 3),
                    ("Tarif / Daya", f"{c.tariff} / {number(c.power_va)} VA"),
                    ("Tunggakan", f"{number(a.bills)} lembar"),
                    ("Jumlah", rupiah(a.amount)),
                ],
            )
            y = _paragraph(
                canvas,
                y - 4 * mm,
                [
                    "Dengan ini kami beritahukan bahwa sampai tanggal pemberitahuan ini",
                    "rekening listrik Saudara belum dilunasi. Sambungan listrik Saudara",
                    "akan diputus sementara (MCB di-OFF-kan dan disegel). Penyambungan",
                    "kembali paling lambat H+1 setelah pelunasan. Abaikan pemberitahuan",
                    "ini bila tunggakan telah dilunasi.",
                ],
            )
            if sheet.startswith("Lembar 2"):
                y = _rows(
                    canvas,
                    y - 4 * mm,
                    [
                        ("Stan kWh saat putus", "...................... kWh"),
                        ("Tanggal pemutusan", "...... - ...... - ............"),
                        ("Cara pemutusan", "MCB di-OFF-kan dan disegel"),
                        ("Nomor segel", "......................"),
                    ],
                )
            canvas.setFont("Helvetica", 9)
            canvas.drawString(
                MARGIN, y - 2 * mm, f"Dicetak {printed:%d-%m-%Y %H:%M} {printed.tzname()}"
            )
            _signature(canvas, y - 14 * mm, "Pelanggan / penerima", signer_title, signer)
            canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_closed_house_notices(readings: Iterable, *, period: str) -> bytes:
    """TUL II-04 for each closed house met during reading of ``period`` (seed 004 §II)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle("TUL II-04 Pemberitahuan Rumah Tutup")
    canvas.setAuthor("meterops")
    for r in readings:
        c = r.customer
        y = _header(canvas, r.unit, "PEMBERITAHUAN", "TUL II-04")
        read_at = timezone.localtime(r.read_at) if r.read_at else None
        y = _rows(
            canvas,
            y,
            [
                ("IDPEL", c.customer_id),
                ("Nama", c.name),
                ("Alamat", c.address or "-", 3),
                ("RBM / urutan", f"{c.route or '-'} / {c.route_sequence or '-'}"),
                ("BLTH", period),
                ("Waktu kunjungan", f"{read_at:%d-%m-%Y %H:%M}" if read_at else "-"),
                ("Keterangan", str(r.anomaly) if r.anomaly_id else "Rumah tutup"),
            ],
        )
        y = _paragraph(
            canvas,
            y - 4 * mm,
            [
                "Petugas baca meter PLN telah datang untuk mencatat stan kWh meter Saudara,",
                "namun rumah dalam keadaan tertutup. Mohon catat angka stan meter dan laporkan",
                "ke kantor PLN terdekat atau PLN 123 agar rekening Saudara sesuai pemakaian.",
            ],
        )
        _signature(canvas, y - 14 * mm, "", "Petugas baca meter", r.reader or "")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
