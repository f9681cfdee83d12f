"""The campaign's and the dashboard's Excel exports (its PDF is documents.kct_work_orders)."""

from io import BytesIO

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from meterops.core.excel import safe_cell, xlsx_response

from .choices import FailureReason

PROGRESS_HEADERS = [
    "Kelompok",
    "Nama",
    "Target",
    "Berhasil",
    "Diganti",
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
                row["replaced"],
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
