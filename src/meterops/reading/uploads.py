"""Unggah Stan Meter on the shared upload pipeline (docs/IMPORTS.md, seed 004).

The contractor's file of readings: one row per customer and BLTH. The pipeline reads and
converts the cells, keeps the rows inside the uploader's units (scope rule) and rejects a
repeated IDPEL + BLTH; the reading rules themselves stay in ``services.reading_row_problem``,
checked for the preview (classify) and again when applied (``services.write_reading_rows``),
which validates the readings and writes their history like any other upload of readings.
"""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.utils.translation import gettext as _

from meterops.core.models import unit_time_zone
from meterops.customers.models import Customer
from meterops.imports.models import UploadRow
from meterops.imports.registry import Column, ImportTemplate, Kind, RowStatus, Scope
from meterops.imports.staging import cell, reject_rows

from . import importer, services
from .choices import ReadingState
from .models import AnomalyCode, Reading, period_validator


def _check_period(value) -> str | None:
    try:
        period_validator(str(value))
    except Exception:
        return _("BLTH harus berformat YYYYMM, mis. 202602.")
    return None


def _decimal(header: str, note: str, example="", minimum=Decimal(0), maximum=None) -> Column:
    return Column(
        header,
        Kind.DECIMAL,
        minimum=minimum,
        maximum=maximum if maximum is not None else Decimal("9999999999.99"),
        note=note,
        example=example,
    )


COLUMNS = (
    Column(
        "BLTH",
        Kind.TEXT,
        required=True,
        validators=(_check_period,),
        note="Bulan tahun baca, YYYYMM (format kolom sebagai Teks).",
        example="202602",
    ),
    Column(
        "IDPEL",
        Kind.IDPEL,
        required=True,
        note="12 digit ID pelanggan; format kolom sebagai Teks agar nol di depan tetap ada.",
        example="510010000001",
    ),
    _decimal("STAN", "Stan kWh register saat dibaca, tanpa pemisah ribuan.", "12345.6"),
    Column(
        "TGL_BACA",
        Kind.TEXT,
        required=True,
        validators=(importer.check_read_at,),
        note="Tanggal dan jam baca, mis. 2026-02-15 08:30 (waktu setempat unit).",
        example="2026-02-15 08:30",
    ),
    Column("PETUGAS", Kind.TEXT, max_length=80, note="Nama petugas baca.", example="UJANG"),
    Column("LBKB", Kind.TEXT, max_length=10, note="Kode LBKB (boleh kosong)."),
    Column("FOTO", Kind.TEXT, max_length=100, note="Nama file foto stan.", example="stan.jpg"),
    _decimal("KOORDINAT_X", "Bujur (longitude), desimal.", "107.6191", Decimal(-180), 180),
    _decimal("KOORDINAT_Y", "Lintang (latitude), desimal.", "-6.9175", Decimal(-90), 90),
    _decimal("STAN_AKHIR_METER_LAMA", "Hanya jika meter diganti di bulan ini."),
    _decimal("STAN_AWAL_METER_BARU", "Hanya jika meter diganti di bulan ini."),
)


def _number(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value)).quantize(Decimal("0.01"))


def _reading_row(number: int, cells: dict, read_at: datetime) -> importer.ReadingRow:
    return importer.ReadingRow(
        row=number,
        customer_id=cells["IDPEL"],
        register_kwh=_number(cells["STAN"]),
        read_at=read_at,
        reader=cells.get("PETUGAS") or "",
        anomaly_code=(cells.get("LBKB") or "").upper(),
        photo=cells.get("FOTO") or "",
        longitude=_number(cells.get("KOORDINAT_X")),
        latitude=_number(cells.get("KOORDINAT_Y")),
        old_meter_final_kwh=_number(cells.get("STAN_AKHIR_METER_LAMA")),
        new_meter_initial_kwh=_number(cells.get("STAN_AWAL_METER_BARU")),
    )


def classify(rows, *, actor, template) -> None:
    """New reading, re-read (changed), the same reading again (unchanged), or rejected by the
    reading rules; a handful of queries for the whole chunk."""
    customers = {
        c.pk: c
        for c in Customer.objects.filter(pk__in={r.customer_id for r in rows}).select_related(
            "route__schedule", "unit"
        )
    }
    existing = {
        (r.customer_id, r.period): r
        for r in Reading.objects.filter(
            customer_id__in=customers, period__in={r.cells["BLTH"] for r in rows}
        ).only("customer_id", "period", "state", "register_kwh", "read_at")
    }
    anomalies = dict(AnomalyCode.objects.filter(is_active=True).values_list("code", "pk"))
    zones: dict[int, str] = {}
    for row in rows:
        customer = customers[row.customer_id]
        if customer.unit_id not in zones:
            zones[customer.unit_id] = unit_time_zone(customer.unit_id)
        read_at = importer.parse_read_at(row.cells["TGL_BACA"], zones[customer.unit_id])
        reading_row = _reading_row(row.row_number, row.cells, read_at)
        before = existing.get((customer.pk, row.cells["BLTH"]))
        states = {customer.customer_id: before.state} if before else {}
        problem = services.reading_row_problem(reading_row, customer, set(), states, anomalies)
        if problem:
            row.reject(*problem)
            continue
        row.cells["_read_at"] = read_at.isoformat()
        if before is None:
            row.status = RowStatus.NEW
        elif (
            before.register_kwh == reading_row.register_kwh
            and before.read_at == read_at
            and before.state != ReadingState.REREAD_REQUESTED
        ):
            row.status = RowStatus.UNCHANGED
        else:
            row.status = RowStatus.CHANGED


def apply(*, upload, batch: int, actor) -> None:
    """Write the batch's new and re-read rows per BLTH through the reading services."""
    staged = UploadRow.objects.filter(
        upload=upload, batch=batch, status__in=(RowStatus.NEW, RowStatus.CHANGED)
    ).values_list("row_number", "status", "cells")
    by_period = defaultdict(list)
    statuses = {}
    for number, status, cells in staged:
        read_at = datetime.fromisoformat(cells["_read_at"])
        by_period[cells["BLTH"]].append(_reading_row(number, cells, read_at))
        statuses[number] = status
    for period, rows in by_period.items():
        _result, refused = services.write_reading_rows(actor=actor, period=period, rows=rows)
        for number, column, reason in refused:
            reject_rows(
                upload=upload,
                batch=batch,
                status=statuses[number],
                where="r.row_number = %s",
                params=[number],
                column=column,
                reason=reason,
            )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE imports_uploadrow SET record_id = (SELECT rr.id FROM reading_reading rr"  # noqa: S608
            " WHERE rr.customer_id = imports_uploadrow.customer_id"
            f" AND rr.period = {cell('imports_uploadrow', 'BLTH')})"
            " WHERE upload_id = %s AND batch = %s AND status IN ('new', 'changed')",
            [upload.pk, batch],
        )


READING_UPLOAD = ImportTemplate(
    code="stan-meter",
    title=_("Unggah Stan Meter"),
    columns=COLUMNS,
    key_columns=("IDPEL", "BLTH"),
    classify=classify,
    apply=apply,
    roles=services.UPLOADERS,
    scope=Scope.CUSTOMER,
    instructions=(
        "Satu baris satu pelanggan per BLTH; baris yang sama diunggah lagi = baca ulang.",
        "Stan yang sudah disahkan tidak bisa diganti; batalkan pengesahannya dulu.",
        "Setelah diterapkan, stan langsung divalidasi (pemakaian, jam nyala, flag).",
    ),
    description="Stan meter pascabayar hasil baca kontraktor (ACMT).",
)
