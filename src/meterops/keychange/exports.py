"""The campaign's and the dashboard's Excel exports and the officers' work orders (PK) as PDF."""

from io import BytesIO

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from meterops import sts
from meterops.core.excel import safe_cell, xlsx_response

from .choices import FailureReason

PROGRESS_HEADERS = [
    "Kelompok",
    "Nama",
    "Target",
    "Berhasil",
    "Gagal",
    *[str(label) for _value, label in FailureReason.choices],
    "Sisa",
    "Progres (%)",
]


def progress_table(by_unit: list[dict], by_contractor: list[dict]):
    """Rows of the dashboard export: units first, then contractors."""
    for kind, rows in (("Unit", by_unit), ("Vendor", by_contractor)):
        for row in rows:
            yield [
                kind,
                f"{row['code']} {row['name']}",
                row["targeted"],
                row["done"],
                row["failed"],
                *row["reasons"],
                row["remaining"],
                row["percent"],
            ]


def progress_xlsx(by_unit: list[dict], by_contractor: list[dict]) -> HttpResponse:
    """The dashboard of every campaign, per unit and per contractor (issue #9, 5)."""
    return xlsx_response(
        "dashboard-kampanye-krn.xlsx",
        _("Progres KRN-2"),
        PROGRESS_HEADERS,
        progress_table(by_unit, by_contractor),
    )


def campaign_workbook(campaign, targets) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Target KCT")
    sheet.append(
        ["IDPEL", "Nama", "No meter", "Merk", "Status", "Alasan gagal", "Petugas", "Waktu update"]
    )
    for t in targets.iterator(chunk_size=2000):
        sheet.append(
            [
                safe_cell(value)
                for value in (
                    t.customer.customer_id,
                    t.customer.name,
                    t.meter.meter_number,
                    t.meter.brand,
                    str(t.get_state_display()),
                    str(t.get_failure_reason_display()) if t.failure_reason else "",
                    t.assigned_to.username if t.assigned_to else "",
                    timezone.localtime(t.updated_key_at).strftime("%d-%m-%Y %H:%M")
                    if t.updated_key_at
                    else "",
                )
            ]
        )
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def work_orders_pdf(campaign, targets) -> bytes:
    """One table per officer: where to go and which KCTs to enter, in route order."""
    styles = getSampleStyleSheet()
    buffer = BytesIO()
    story = [Paragraph(f"Perintah Kerja Entry KCT — {campaign.name}", styles["Title"])]
    by_officer: dict[str, list] = {}
    for target in targets:
        by_officer.setdefault(str(target.assigned_to), []).append(target)
    for officer, rows in by_officer.items():
        story.append(Paragraph(f"Petugas: {officer}", styles["Heading2"]))
        data = [["IDPEL / Nama", "No meter / Merk", "KCT (input berurutan)"]]
        for t in rows:
            kct = next((k for k in t.tokens.all() if k.voided_at is None), None)
            tokens = "<br/>".join(sts.format_token(x) for x in kct.tokens) if kct else "-"
            data.append(
                [
                    Paragraph(f"{t.customer.customer_id}<br/>{t.customer.name}", styles["Normal"]),
                    Paragraph(f"{t.meter.meter_number}<br/>{t.meter.brand}", styles["Normal"]),
                    Paragraph(tokens, styles["Code"]),
                ]
            )
        table = Table(data, colWidths=[150, 120, 220], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [table, Spacer(1, 12)]
    if not by_officer:
        story.append(Paragraph("Belum ada KCT yang ditugaskan.", styles["Normal"]))
    SimpleDocTemplate(buffer, pagesize=A4, title=f"PK KCT {campaign.pk}").build(story)
    return buffer.getvalue()
