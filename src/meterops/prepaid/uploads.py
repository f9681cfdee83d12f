"""Stok Meter Prabayar on the upload pipeline (seed 002, 2.1 step 4: activation takes a meter
of the unit's stock by its number; seed 003: each meter carries its VKRN).

A row is one meter, keyed by NO_METER, held by the ULP of KODE_ULP (a ULP the uploader sees,
``Scope.ULP_CODE``). Not in stock → new; in stock within the uploader's units with other data
→ changed (a move between the uploader's ULPs too); the same data → unchanged. Rejected: a
meter in the stock of a unit outside the uploader's reach, and one the stock rules keep as it
is (``services.stock.unchangeable_stock_meters``: installed, removed as damaged, or bound to an
open application). Rows are classified again at apply under the stock rows' locks, then
written set-based with their history (``services.stock.load_meter_stock``).
"""

from django.db import connection

from meterops.core.errors import InvalidInput
from meterops.core.scoping import visible_unit_ids
from meterops.imports.cells import as_text
from meterops.imports.models import UploadRow
from meterops.imports.registry import (
    ULP_COLUMN,
    CheckedRow,
    Column,
    ImportTemplate,
    Kind,
    RowStatus,
    Scope,
)
from meterops.imports.staging import cell, many
from meterops.vending.models import DEFAULT_KEY_TYPE
from meterops.vending.services import VENDING_KEY_COLUMNS, vending_key_of

from .models import MeterStock
from .services import (
    STOCK_ROLES,
    load_meter_stock,
    meter_number_problem,
    unchangeable_stock_meters,
)
from .services.stock import STOCK_FIELDS

NFC_CHOICES = {"YA": True, "TIDAK": False}


def _digits(length: int):
    def check(value: str) -> str | None:
        if value.isdigit() and len(value) == length:
            return None
        return f"harus {length} digit angka, bukan '{value}'."

    return check


COLUMNS = (
    Column(
        ULP_COLUMN,
        Kind.TEXT,
        required=True,
        max_length=10,
        note="Kode ULP yang memegang stok (5 digit), di dalam unit Anda.",
        example="51001",
    ),
    Column(
        "NO_METER",
        Kind.TEXT,
        required=True,
        max_length=13,
        validators=(meter_number_problem,),
        note="11 atau 13 digit; format kolom sebagai Teks. Satu baris satu meter.",
        example="32031017679",
    ),
    Column("MERK", Kind.TEXT, required=True, max_length=40, example="ITRON"),
    Column("TYPE", Kind.TEXT, max_length=40, example="EM512 TYPE 710"),
    Column("NO_PABRIK", Kind.TEXT, max_length=30, example="3203101767"),
    Column(
        "NFC",
        Kind.CHOICE,
        required=True,
        choices=tuple(NFC_CHOICES),
        note="YA = meter dua arah NFC; TIDAK = prabayar satu arah (keypad).",
        example="YA",
    ),
    Column(
        "SGC",
        Kind.TEXT,
        required=True,
        validators=(_digits(6),),
        note="Supply group code pabrik, 6 digit.",
        example="600551",
    ),
    Column(
        "TI",
        Kind.TEXT,
        required=True,
        validators=(_digits(2),),
        note="Tariff index pabrik, 2 digit (mis. 01).",
        example="01",
    ),
    Column(
        "VKRN",
        Kind.CHOICE,
        required=True,
        choices=("41", "42", "43"),
        note="Kunci vending meter: 41 atau 42 (kunci lama), 43 (KRN-2).",
        example="43",
    ),
    Column(
        "KRN",
        Kind.INTEGER,
        minimum=1,
        maximum=9,
        note="Boleh kosong; bila diisi harus sesuai VKRN (41 = KRN 1; 42 dan 43 = KRN 2).",
    ),
    Column(
        "KT",
        Kind.INTEGER,
        minimum=0,
        maximum=3,
        note=f"Key type 0-3; kosong = {DEFAULT_KEY_TYPE}.",
        example=DEFAULT_KEY_TYPE,
    ),
)


def _stock_of(row: CheckedRow) -> MeterStock | None:
    """The meter a checked row describes (unsaved), or None with the row rejected: its VKRN
    and KRN must fit (``vending.services.vending_key_of``, the DIL's rule and messages)."""
    cells = row.cells
    try:
        vkrn, key_revision = vending_key_of(vkrn=int(cells["VKRN"]), key_revision=cells.get("KRN"))
    except InvalidInput as exc:
        row.reject(VENDING_KEY_COLUMNS[exc.field], str(exc.message))
        return None
    key_type = cells.get("KT")
    return MeterStock(
        unit_id=cells["_unit_id"],
        meter_number=cells["NO_METER"],
        brand=cells["MERK"].upper(),
        model=cells.get("TYPE") or "",
        serial_number=cells.get("NO_PABRIK") or "",
        is_nfc=NFC_CHOICES[cells["NFC"]],
        supply_group=cells["SGC"],
        tariff_index=cells["TI"],
        vkrn=vkrn,
        key_revision=key_revision,
        key_type=DEFAULT_KEY_TYPE if key_type is None else key_type,
    )


def _same(stock: MeterStock, existing: MeterStock) -> bool:
    return all(
        getattr(stock, field.attname) == getattr(existing, field.attname)
        for field in (MeterStock._meta.get_field(name) for name in STOCK_FIELDS)
    )


def _classify(rows: list[CheckedRow], actor, *, lock: bool) -> dict[int, MeterStock]:
    """Mark each row and return its meter by row number: existing ones carry their pk. With
    ``lock`` the stock rows are locked first (PostgreSQL FOR UPDATE, in id order), so an
    activation or another upload touching them waits, and is then seen."""
    stocks = {}
    for row in rows:
        stock = _stock_of(row)
        if stock is not None:
            stocks[row.row_number] = stock
    numbers = [s.meter_number for s in stocks.values()]
    if not numbers:
        return stocks
    found = MeterStock.objects.filter(meter_number__in=many(numbers, "text")).order_by("pk")
    if lock:
        found = found.select_for_update()
    existing = {s.meter_number: s for s in found}
    reach = None if actor is None else visible_unit_ids(actor)
    refused = unchangeable_stock_meters(numbers)
    for row in rows:
        stock = stocks.get(row.row_number)
        if stock is None:
            continue
        number = stock.meter_number
        earlier = existing.get(number)
        if earlier is not None and reach is not None and earlier.unit_id not in reach:
            row.reject(
                "NO_METER", f"Meter {number} sudah ada di stok unit lain, di luar unit Anda."
            )
        elif earlier is not None and _same(stock, earlier):
            row.status = RowStatus.UNCHANGED
        elif number in refused:
            row.reject("NO_METER", refused[number])
        else:
            row.status = RowStatus.NEW if earlier is None else RowStatus.CHANGED
            if earlier is not None:
                stock.pk, stock.created_at = earlier.pk, earlier.created_at
    return stocks


def classify(rows: list[CheckedRow], *, actor, template) -> None:
    """New / changed / unchanged / rejected against the stock, in four queries a chunk."""
    _classify(rows, actor, lock=False)


def apply(*, upload, batch: int, actor) -> None:
    """Classify the batch again under the stock rows' locks, then load it set-based; a row
    that may no longer be written (activated meanwhile, ...) is rejected with its reason."""
    staged = list(
        UploadRow.objects.filter(
            upload=upload, batch=batch, status__in=[RowStatus.NEW, RowStatus.CHANGED]
        ).only("pk", "row_number", "status", "cells")
    )
    if not staged:
        return
    rows = [CheckedRow(row_number=s.row_number, cells=dict(s.cells), raw=[]) for s in staged]
    stocks = _classify(rows, actor, lock=True)
    load_meter_stock(
        new=[stocks[r.row_number] for r in rows if r.status == RowStatus.NEW],
        changed=[stocks[r.row_number] for r in rows if r.status == RowStatus.CHANGED],
        actor=actor,
        reason=f"Upload #{upload.pk} {upload.original_name}"[:100],
    )
    _restage(upload, staged, rows)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE imports_uploadrow AS u SET record_id = s.id "  # noqa: S608
            "FROM prepaid_meterstock s WHERE u.upload_id = %s AND u.batch = %s "
            f"AND u.status IN ('new', 'changed') AND s.meter_number = {cell('u', 'NO_METER')}",
            [upload.pk, batch],
        )


def _restage(upload, staged: list[UploadRow], rows: list[CheckedRow]) -> None:
    """Save the verdict of the (few) rows whose status the apply changed; a rejected one keeps
    its cells as typed for the error report."""
    header = upload.header or [c.header for c in COLUMNS]
    moved = []
    for staged_row, row in zip(staged, rows, strict=True):
        if staged_row.status != row.status:
            staged_row.status, staged_row.error_column = row.status, row.column
            staged_row.reason = row.reason
            staged_row.raw = [] if row.ok else [as_text(row.cells.get(h)) for h in header]
            moved.append(staged_row)
    UploadRow.objects.bulk_update(moved, ["status", "error_column", "reason", "raw"])


STOCK_UPLOAD = ImportTemplate(
    code="stok-meter-prabayar",
    title="Stok Meter Prabayar",
    description="Meter prabayar di stok ULP, siap diaktivasi untuk permohonan (Aktivasi Meter).",
    columns=COLUMNS,
    key_columns=("NO_METER",),
    classify=classify,
    apply=apply,
    roles=STOCK_ROLES,
    scope=Scope.ULP_CODE,
    instructions=(
        "Satu baris satu meter; NO_METER (11 atau 13 digit) adalah kunci baris.",
        "KODE_ULP adalah ULP yang memegang stok dan harus di dalam unit Anda.",
        "Meter yang sudah ada di stok unit Anda diperbarui (juga bila pindah ULP di dalam unit "
        "Anda); meter dengan data yang sama tidak diubah.",
        "Ditolak: meter di stok unit lain, meter yang sudah terpasang di pelanggan atau pernah "
        "dibongkar karena rusak, dan meter yang sudah diaktivasi untuk permohonan yang masih "
        "berjalan.",
        "VKRN wajib: 41 atau 42 kunci lama, 43 KRN-2. KRN boleh kosong; bila diisi harus "
        "sesuai VKRN (41 = KRN 1; 42 dan 43 = KRN 2).",
        "NFC: YA untuk meter dua arah NFC, TIDAK untuk meter satu arah; saat aktivasi harus "
        "sesuai produk permohonan.",
        "Jangan memakai rumus (formula) dan jangan mengubah judul kolom.",
    ),
)
