"""Files that leave meterops: the posting 1 fungsi 2 file for billing, the recap and the
approver's workbooks."""

import io
from collections.abc import Iterator
from datetime import UTC
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook

from meterops.core.excel import XLSX_CONTENT_TYPE, safe_cell, xlsx_response

from .models import BillingPosting, ReadingDay, ReadingSettings
from .queries import verification_rows


def _amount(value: Decimal | None, width: int) -> str:
    """A signed amount in hundredths, zero-padded: +00000123450 for 1234.50."""
    hundredths = int((value or Decimal(0)) * 100)
    sign = "-" if hundredths < 0 else "+"
    return f"{sign}{abs(hundredths):0{width - 1}d}"


def posting_lines(posting: BillingPosting) -> Iterator[str]:
    """The fixed-width file of a posting: one header, one line per reading, one trailer.

    H posting number(40) BLTH(6) ULP(5) hari baca(10) created UTC(14)
    D IDPEL(12) BLTH(6) stan(13) kWh(13) jam nyala(9) LBKB(4) taksiran(1) read at UTC(12)
    T number of D lines(8)
    """
    approval = posting.approval
    day = approval.reading_day
    created = posting.created_at.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    yield (f"H{posting.number:<40}{approval.period}{day.unit.code:<5}{day.code:<10}{created}\r\n")
    count = 0
    readings = (
        posting.lines()
        .select_related("customer", "anomaly")
        .order_by("customer__customer_id")
        .iterator(chunk_size=2000)
    )
    for reading in readings:
        count += 1
        read_at = reading.read_at.astimezone(UTC).strftime("%Y%m%d%H%M") if reading.read_at else ""
        yield (
            f"D{reading.customer.customer_id}{reading.period}"
            f"{_amount(reading.register_kwh, 13)}{_amount(reading.consumption_kwh, 13)}"
            f"{_amount(reading.hours_on, 9)}{(reading.anomaly.code if reading.anomaly else ''):<4}"
            f"{'Y' if reading.is_estimate else 'N'}{read_at:<12}\r\n"
        )
    yield f"T{count:08d}\r\n"


def recap_xlsx(rows, period: str) -> HttpResponse:
    """Rekap baca meter of a BLTH: per reading day, sudah vs belum disahkan."""
    book = Workbook()
    sheet = book.active
    sheet.title = f"Rekap {period}"
    sheet.append(
        [
            "ULP",
            "Hari baca",
            "Tgl",
            "Pelanggan",
            "Terbaca",
            "Sudah disahkan",
            "Belum disahkan",
            "Tertahan jam nyala",
        ]
    )
    for row in rows:
        day = row["reading_day"]
        sheet.append(
            [
                safe_cell(value)
                for value in (
                    day.unit.name,
                    day.code,
                    day.day_of_month,
                    row["to_read"],
                    row["read"],
                    row["approved"],
                    row["not_approved"],
                    row["blocked"],
                )
            ]
        )
    content = io.BytesIO()
    book.save(content)
    response = HttpResponse(content.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="rekap-baca-meter-{period}.xlsx"'
    return response


APPROVAL_HEADERS = [
    "IDPEL",
    "Nama",
    "RBM",
    "Stan",
    "Stan lalu",
    "Pemakaian (kWh)",
    "Jam nyala",
    "LBKB",
    "Tanda",
    "Verifikasi Admin Vendor",
    "Oleh (vendor)",
    "Waktu (vendor)",
    "Verifikasi Pengawas",
    "Oleh (pengawas)",
    "Waktu (pengawas)",
    "Status",
    "Posting",
]


def approval_xlsx(
    readings, pattern: ReadingSettings, reading_day: ReadingDay, period: str
) -> HttpResponse:
    """The approver's list as filtered (seed 001: "Memverifikasi hasil verifikasi"): flags
    and both verifications per reading."""
    required = pattern.supervisor_verification_required

    def rows():
        chunk = []
        for reading in readings.iterator(chunk_size=2000):
            chunk.append(reading)
            if len(chunk) == 2000:
                yield from _approval_lines(verification_rows(chunk, supervisor_required=required))
                chunk = []
        yield from _approval_lines(verification_rows(chunk, supervisor_required=required))

    name = f"pengesahan-{reading_day.unit.code}-{reading_day.code}-{period}.xlsx"
    return xlsx_response(name, f"Pengesahan {period}", APPROVAL_HEADERS, rows())


def _approval_lines(rows):
    for row in rows:
        reading, vendor, supervisor = row["reading"], row["vendor"], row["supervisor"]
        customer = reading.customer
        yield [
            customer.customer_id,
            customer.name,
            customer.route.code if customer.route else "",
            reading.register_kwh,
            reading.previous_kwh,
            reading.consumption_kwh,
            reading.hours_on,
            reading.anomaly.code if reading.anomaly else "",
            ", ".join(reading.flags()),
            vendor["result"],
            vendor["by"],
            vendor["at"],
            supervisor["result"],
            supervisor["by"],
            supervisor["at"],
            reading.get_state_display(),
            reading.posting.number if reading.posting else "",
        ]
