"""The customer master (DIL) on the upload pipeline: the same columns and row checks as
``customers.dil``, applied batch by batch through ``services.import_customer_master``."""

from django.db.models import Q
from django.urls import reverse

from meterops.core.choices import RoleCode
from meterops.core.models import Unit
from meterops.imports.models import UploadRow
from meterops.imports.registry import CheckedRow, Column, ImportTemplate, Kind, RowStatus, Scope

from .dil import COLUMNS as DIL_COLUMNS
from .dil import PAYMENT_MODES, RowError, check_row
from .models import Customer, Meter
from .services import import_customer_master, refused_new_meters

DIL_UPLOAD_ROLES = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN)
EXAMPLE = {
    "IDPEL": "510010000001",
    "NAMA": "ASEP SUNANDAR",
    "ALAMAT": "JL. LASWI NO. 5",
    "TARIF": "R1",
    "DAYA": "1300",
    "JENIS": "PASCABAYAR",
    "KODE_GARDU": "BL0001",
    "KODE_RBM": "BLD0001",
    "URUTAN_BACA": "3",
    "MERK_METER": "HEXING",
    "NO_METER": "45012345678",
    "FASA": "1",
    "TGL_PASANG": "2021-03-04",
}
FIXED = {"JENIS": tuple(PAYMENT_MODES), "FASA": ("1", "3"), "VKRN": ("41", "42", "43")}


def _column(c) -> Column:
    if c.header == "IDPEL":
        return Column("IDPEL", Kind.IDPEL, required=True, note=c.note, example=EXAMPLE["IDPEL"])
    return Column(
        c.header,
        Kind.TEXT,
        required=c.required,
        note=c.note,
        example=EXAMPLE.get(c.header, ""),
        choices=FIXED.get(c.header, ()),
    )


def _text_cells(cells: dict) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in cells.items() if not k.startswith("_")}


def _record(row_number: int, cells: dict, unit_codes: set[str], errors: list[RowError]):
    return check_row(row_number, _text_cells(cells), unit_codes, errors)


def classify(rows: list[CheckedRow], *, actor, template) -> None:
    """The DIL row checks (a prepaid meter needs its key data, ...), then new / changed /
    unchanged against the customer and its current meter."""
    codes = {r.cells["IDPEL"][:5] for r in rows}
    unit_codes = set(Unit.objects.filter(code__in=codes).values_list("code", flat=True))
    existing = {
        c.customer_id: c
        for c in Customer.objects.filter(customer_id__in=[r.cells["IDPEL"] for r in rows])
    }
    meters = dict(
        Meter.objects.filter(
            customer__customer_id__in=list(existing), removed_at__isnull=True
        ).values_list("customer__customer_id", "meter_number")
    )
    records = {}
    for row in rows:
        errors: list[RowError] = []
        record = _record(row.row_number, row.cells, unit_codes, errors)
        if record is None:
            first, *rest = errors
            row.reject(
                first.column,
                "; ".join([first.message, *(f"kolom {e.column}: {e.message}" for e in rest)]),
            )
        else:
            records[row.row_number] = record
    refused = _refused_meters(records.values(), existing, meters)
    for row in rows:
        record = records.get(row.row_number)
        if record is None:
            continue
        customer = existing.get(record.customer["customer_id"])
        if record.meter and record.meter["meter_number"] in refused:
            row.reject("NO_METER", refused[record.meter["meter_number"]])
        elif customer is None:
            row.status = RowStatus.NEW
        elif _same(customer, record, meters.get(customer.customer_id)):
            row.status = RowStatus.UNCHANGED
        else:
            row.status = RowStatus.CHANGED


def _refused_meters(records, existing: dict, meters: dict) -> dict[str, str]:
    """``refused_new_meters`` for the meters the batch would newly install, in one query."""
    changing = {
        r.meter["meter_number"]
        for r in records
        if r.meter and meters.get(r.customer["customer_id"]) != r.meter["meter_number"]
    }
    if not changing:
        return {}
    return refused_new_meters(numbers=changing, customer_ids=[c.pk for c in existing.values()])


def _same(customer: Customer, record, meter_number: str | None) -> bool:
    fields = ("name", "address", "tariff", "power_va", "payment_mode")
    same = all(getattr(customer, f) == record.customer[f] for f in fields)
    return same and (record.meter is None or record.meter["meter_number"] == meter_number)


def apply(*, upload, batch: int, actor) -> None:
    """Load the batch's rows set-based; link every customer row to the customer."""
    staged = list(
        UploadRow.objects.filter(
            upload=upload, batch=batch, status__in=[RowStatus.NEW, RowStatus.CHANGED]
        ).only("pk", "row_number", "cells")
    )
    if not staged:
        return
    codes = {s.cells["IDPEL"][:5] for s in staged}
    unit_codes = set(Unit.objects.filter(code__in=codes).values_list("code", flat=True))
    errors: list[RowError] = []
    records = [_record(s.row_number, s.cells, unit_codes, errors) for s in staged]
    if errors:  # the rows were checked; only a unit removed meanwhile gets here
        raise ValueError(str(errors[0]))
    import_customer_master(records=records, actor=actor)
    ids = dict(
        Customer.objects.filter(Q(customer_id__in=[s.cells["IDPEL"] for s in staged])).values_list(
            "customer_id", "pk"
        )
    )
    for s in staged:
        s.record_id = ids[s.cells["IDPEL"]]
    UploadRow.objects.bulk_update(staged, ["record_id"], batch_size=1000)


DIL_UPLOAD = ImportTemplate(
    code="dil",
    title="Data Induk Pelanggan (DIL)",
    description="Data induk pelanggan: pelanggan, gardu, RBM dan meter yang terpasang.",
    columns=tuple(_column(c) for c in DIL_COLUMNS),
    key_columns=("IDPEL",),
    classify=classify,
    apply=apply,
    roles=DIL_UPLOAD_ROLES,
    scope=Scope.UNIT_CODE,
    instructions=(
        "Satu baris satu pelanggan; 5 digit pertama IDPEL adalah kode ULP.",
        "Pelanggan yang sudah ada diperbarui; meter dengan nomor lain menggantikan meter lama "
        "(dibongkar pada tanggal pasang meter baru).",
        "Meter prabayar wajib mengisi SGC, TI dan VKRN (41/42 kunci lama, 43 KRN-2); KRN "
        "mengikuti VKRN.",
        "Jangan memakai rumus (formula) dan jangan mengubah judul kolom.",
    ),
    record_url=lambda pk: reverse("customers:customer_detail", args=[pk]),
    record_label=lambda pk: f"#{pk}",
)
