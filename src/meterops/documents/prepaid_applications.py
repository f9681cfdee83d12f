"""PDFs of a prepaid application (seed 002, Bab 2): the SIP payment slip (Cetak SIP) and the
PK with its BA pasang (Cetak PK / BA). ReportLab; the application is read through its
attributes only, so this module does not import the prepaid app."""

import io

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, SimpleDocTemplate, Spacer, Table, TableStyle

from meterops.core.formats import number, rupiah

from .text import STYLES, lines, paragraph

CELL = STYLES["BodyText"].clone("cell", fontSize=9, leading=11, spaceBefore=0)


def _table(rows, widths=(60 * mm, 110 * mm)) -> Table:
    """Every cell a paragraph of its plain text, so a long value wraps inside its column."""
    cells = [
        [lines(cell, CELL) if isinstance(cell, tuple) else paragraph(cell, CELL) for cell in row]
        for row in rows
    ]
    table = Table(cells, colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _header(request, title: str) -> list:
    rows = [
        ["No agenda", request.request_number],
        ["Jenis permohonan", request.get_kind_display()],
        ["Produk", request.get_product_display()],
        ["IDPEL", request.customer.customer_id],
        ["Nama", request.applicant_name],
        ["Alamat", request.address],
        ["Tarif / Daya", f"{request.tariff} / {number(request.power_va)} VA"],
    ]
    if request.ends_on:  # a Penyambungan Sementara: the connection ends on that day
        rows.append(["Berakhir (PS)", f"{request.ends_on:%d-%m-%Y}"])
    return [
        paragraph(f"PT PLN (Persero) {request.unit.name}", "Heading3"),
        paragraph(title, "Title"),
        _table(rows),
        Spacer(1, 6 * mm),
    ]


def _render(story: list) -> bytes:
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm).build(story)
    return buffer.getvalue()


def payment_slip_pdf(request) -> bytes:
    """Cetak SIP: the fees to pay at a bank or PPOB against the request number."""
    fees = [
        ["Biaya Penyambungan (BP)", rupiah(request.connection_fee)],
        ["PPN atas BP", rupiah(request.connection_fee_tax)],
        ["Uang Jaminan Langganan (UJL)", rupiah(request.deposit)],
        [f"Stroom awal ({number(request.initial_credit_kwh)} kWh)", rupiah(request.initial_credit)],
    ]
    if request.is_migration:
        comp = request.deposit_compensation()
        fees.append(["Kekurangan kompensasi UJL pascabayar", rupiah(comp["shortfall"])])
    fees.append(["TOTAL YANG HARUS DIBAYAR", rupiah(request.amount_due)])
    story = _header(request, "SURAT INFORMASI PEMBAYARAN (SIP)")
    story += [
        _table(fees),
        Spacer(1, 6 * mm),
        paragraph(
            "Bayar di bank / PPOB / ATM dengan menyebut nomor agenda di atas. "
            f"Dicetak {timezone.localtime():%d-%m-%Y %H:%M}."
        ),
    ]
    return _render(story)


def _token_label(token) -> str:
    """The token as the application's page lists it: 1. Token kredit 13,5 kWh."""
    label = f"{token.sequence}. {token.get_kind_display()}"
    return f"{label} {number(token.kwh)} kWh" if token.kwh else label


def work_order_pdf(request) -> bytes:
    """Cetak PK and BA pasang: the meter, the tokens to enter, the officer, signatures."""
    meter = request.bound_meter  # from stock, or the PD meter kept in place
    officer = request.assigned_to
    tokens = [[_token_label(t), t.display()] for t in request.tokens.all()]
    story = _header(request, "PERINTAH KERJA (PK) PEMASANGAN")
    story += [
        _table(
            [
                ["Meter", f"{meter.brand} {meter.model} no. {meter.meter_number}"],
                ["No pabrik", getattr(meter, "serial_number", "") or "-"],
                ["Petugas", officer.get_full_name() or officer.get_username() if officer else "-"],
            ]
        ),
        Spacer(1, 4 * mm),
        paragraph("Token yang dimasukkan ke meter, berurutan:"),
        _table(tokens or [["-", "-"]]),
        PageBreak(),
    ]
    story += _header(request, "BERITA ACARA (BA) PEMASANGAN")
    story += [
        paragraph(
            f"Pada tanggal ........ telah dipasang meter {meter.brand} no. {meter.meter_number} "
            "beserta token di atas, dalam keadaan baik dan tersegel."
        ),
        Spacer(1, 20 * mm),
        _table(
            [["Pelanggan", "Petugas PLN"], [("", "", "", "(............)")] * 2],
            widths=(85 * mm, 85 * mm),
        ),
    ]
    return _render(story)
