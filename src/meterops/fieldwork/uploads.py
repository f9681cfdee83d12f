"""Tunggakan from the billing system (AP2T) on the shared Upload pipeline (docs/IMPORTS.md):
columns IDPEL, LEMBAR, JUMLAH, TGL_LUNAS; the pipeline checks, previews and applies in batches,
and this module only classifies rows and writes a batch through services.write_arrears_rows."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils.translation import gettext_lazy as _

from meterops.customers.models import Customer
from meterops.imports.models import UploadRow
from meterops.imports.registry import Column, ImportTemplate, Kind, RowStatus, Scope

from . import services
from .models import Arrears


def classify(rows, *, actor, template) -> None:
    """New arrears, changed (lembar or jumlah differ; 0 lembar = paid), or unchanged; a prepaid
    customer's row is rejected with the reason."""
    modes = dict(
        Customer.objects.filter(pk__in=[r.customer_id for r in rows if r.customer_id]).values_list(
            "pk", "payment_mode"
        )
    )
    units = dict(
        Customer.objects.filter(pk__in=[r.customer_id for r in rows if r.customer_id]).values_list(
            "pk", "unit_id"
        )
    )
    zones = services.unit_zones(units.values())
    for row in rows:
        if row.customer_id and (reason := services.arrears_refusal_for(modes[row.customer_id])):
            row.reject("IDPEL", reason[:1].upper() + reason[1:] + ".")
        if row.customer_id and row.cells.get("TGL_LUNAS"):
            if row.cells["LEMBAR"]:
                row.reject("TGL_LUNAS", "TGL_LUNAS hanya untuk LEMBAR 0 (lunas).")
            paid_at = paid_at_of(row.cells, zones[units[row.customer_id]])
            if reason := services.payment_time_refusal(paid_at):
                row.reject("TGL_LUNAS", reason[:1].upper() + reason[1:] + ".")
    existing = {
        c: (bills, amount)
        for c, bills, amount in Arrears.objects.filter(
            customer_id__in=[r.customer_id for r in rows if r.customer_id]
        ).values_list("customer_id", "bills", "amount")
    }
    for row in rows:
        if row.status == RowStatus.REJECTED:
            continue
        bills, amount = row.cells["LEMBAR"], Decimal(str(row.cells.get("JUMLAH") or 0))
        before = existing.get(row.customer_id)
        if before is None:
            row.status = RowStatus.NEW if bills else RowStatus.UNCHANGED
        elif before == (bills, amount):
            row.status = RowStatus.UNCHANGED
        else:
            row.status = RowStatus.CHANGED


def paid_at_of(cells: dict, zone: str) -> datetime | None:
    """TGL_LUNAS is the wall clock of the customer's unit (WIB, WITA or WIT)."""
    text = cells.get("TGL_LUNAS")
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)) if text else None


def apply(*, upload, batch: int, actor) -> None:
    """Write the batch's new and changed rows set-based, then link each row to its arrears."""
    staged = UploadRow.objects.filter(
        upload=upload, batch=batch, status__in=(RowStatus.NEW, RowStatus.CHANGED)
    ).values_list("customer_id", "cells")
    staged = list(staged)
    units = dict(
        Customer.objects.filter(pk__in=[c for c, _cells in staged]).values_list("pk", "unit_id")
    )
    zones = services.unit_zones(units.values())
    rows = {
        customer_id: (
            int(cells["LEMBAR"]),
            Decimal(str(cells.get("JUMLAH") or 0)),
            paid_at_of(cells, zones[units[customer_id]]),
        )
        for customer_id, cells in staged
    }
    services.write_arrears_rows(actor=actor, rows=rows)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE imports_uploadrow SET record_id = (SELECT a.id FROM {Arrears._meta.db_table} a"  # noqa: S608
            " WHERE a.customer_id = imports_uploadrow.customer_id)"
            " WHERE upload_id = %s AND batch = %s AND status IN ('new', 'changed')",
            [upload.pk, batch],
        )


ARREARS_UPLOAD = ImportTemplate(
    code="tunggakan",
    title=_("Unggah Tunggakan"),
    columns=(
        Column("IDPEL", Kind.IDPEL, required=True, note="12 digit", example="535510000001"),
        Column(
            "LEMBAR",
            Kind.INTEGER,
            required=True,
            minimum=0,
            maximum=99,
            note="jumlah rekening belum dibayar; 0 = lunas",
            example="2",
        ),
        Column("JUMLAH", Kind.DECIMAL, minimum=0, note="Rp, tanpa titik ribuan", example="312500"),
        Column(
            "TGL_LUNAS",
            Kind.DATETIME,
            note="waktu bayar (jam setempat unit) untuk LEMBAR 0; kosong = saat diterapkan",
            example="",
        ),
    ),
    key_columns=("IDPEL",),
    classify=classify,
    apply=apply,
    roles=services.ARREARS_UPLOADERS,
    scope=Scope.CUSTOMER,
    instructions=(
        "Satu baris satu pelanggan: tunggakan terakhir dari AP2T.",
        "LEMBAR 0 untuk pelanggan yang sudah lunas, dengan TGL_LUNAS (tanggal dan jam bayar): bila "
        "sudah diputus, order penyambungan kembali dibuat, paling lambat H+1 dari waktu bayar.",
        "Pelanggan dengan 2 lembar atau lebih dapat dicetakkan TUL VI-01 dan order pemutusan.",
    ),
    description="Tunggakan pelanggan dari sistem billing (penekanan tunggakan, SOP §VI).",
)
