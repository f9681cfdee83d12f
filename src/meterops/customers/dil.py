"""The customer master (DIL) file: its columns and how each row is checked.

The upload pipeline reads the file (``uploads.DIL_UPLOAD``); every problem of a row is reported
with its row and column, in Indonesian.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from meterops.core.errors import InvalidInput
from meterops.vending.services import VENDING_KEY_COLUMNS, vending_key_of

from .choices import TARIFFS, PaymentMode, Phase

PAYMENT_MODES = {"PASCABAYAR": PaymentMode.POSTPAID, "PRABAYAR": PaymentMode.PREPAID}


@dataclass(frozen=True)
class Column:
    header: str
    required: bool = False
    note: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("IDPEL", True, "12 digit; 5 digit pertama = kode ULP"),
    Column("NAMA", True),
    Column("ALAMAT"),
    Column("TARIF", True, "R1, R1M, R2, B1, ..."),
    Column("DAYA", True, "daya kontrak dalam VA, mis. 1300"),
    Column("JENIS", True, "PASCABAYAR atau PRABAYAR"),
    Column("KODE_GARDU"),
    Column("KODE_RBM"),
    Column("URUTAN_BACA"),
    Column("KOORDINAT_X", note="bujur (longitude), desimal"),
    Column("KOORDINAT_Y", note="lintang (latitude), desimal"),
    Column("MERK_METER"),
    Column("TYPE_METER"),
    Column("NO_METER"),
    Column("NO_PABRIK"),
    Column("TAHUN_METER"),
    Column("FASA", note="1 atau 3"),
    Column("TGL_PASANG", note="YYYY-MM-DD"),
    Column("SGC", note="prabayar: supply group code 6 digit"),
    Column("TI", note="prabayar: tariff index 2 digit"),
    Column("VKRN", note="prabayar: kunci vending 41 atau 42 (kunci lama), 43 (KRN-2)"),
    Column("KRN", note="prabayar: boleh kosong bila VKRN diisi (41 = KRN 1; 42 dan 43 = KRN 2)"),
    Column("KT", note="prabayar: key type 0-3"),
    Column("FKM", note="faktor kali meter (meter lewat CT), mis. 40; kosong = 1"),
)


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Baris {self.row}, kolom {self.column}: {self.message}"


@dataclass
class DilRecord:
    row: int
    customer: dict
    meter: dict | None
    substation_code: str = ""
    route_code: str = ""


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _RowChecker:
    """Collects the errors of one row while converting its cells."""

    def __init__(self, row_number: int, cells: dict[str, str], errors: list[RowError]):
        self.row, self.cells, self.errors = row_number, cells, errors

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.row, column, message))

    def text(self, column: str, max_length: int, required: bool = False) -> str:
        value = self.cells.get(column, "")
        if required and not value:
            self.fail(column, "wajib diisi.")
        elif len(value) > max_length:
            self.fail(column, f"terlalu panjang (maksimal {max_length} karakter).")
        return value

    def digits(self, column: str, length: int) -> str:
        value = self.cells.get(column, "")
        if value and not (value.isdigit() and len(value) == length):
            self.fail(column, f"harus {length} digit angka, bukan '{value}'.")
        return value

    def integer(self, column: str, low: int, high: int, required: bool = False) -> int | None:
        value = self.cells.get(column, "")
        if not value:
            if required:
                self.fail(column, "wajib diisi.")
            return None
        try:
            number = int(Decimal(value))
            if number != Decimal(value):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            self.fail(column, f"harus bilangan bulat, bukan '{value}'.")
            return None
        if not low <= number <= high:
            self.fail(column, f"harus antara {low} dan {high}, bukan {number}.")
            return None
        return number

    def decimal(self, column: str, low: Decimal, high: Decimal) -> Decimal | None:
        value = self.cells.get(column, "").replace(",", ".")
        if not value:
            return None
        try:
            number = Decimal(value).quantize(Decimal("0.000001"))
        except InvalidOperation:
            self.fail(column, f"harus angka desimal, bukan '{value}'.")
            return None
        if not low <= number <= high:
            self.fail(column, f"harus antara {low} dan {high}.")
            return None
        return number

    def day(self, column: str) -> date | None:
        value = self.cells.get(column, "")
        if not value:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            self.fail(column, f"tanggal harus berformat YYYY-MM-DD, bukan '{value}'.")
            return None


def check_row(
    row_number: int, cells: dict[str, str], unit_codes: set[str], errors: list[RowError]
) -> DilRecord | None:
    """Convert one row of the DIL file, or add its errors and return None."""
    before = len(errors)
    check = _RowChecker(row_number, cells, errors)
    customer_id = check.text("IDPEL", 12, required=True)
    if customer_id and not (customer_id.isdigit() and len(customer_id) == 12):
        check.fail("IDPEL", f"harus 12 digit angka, bukan '{customer_id}'.")
    elif customer_id and customer_id[:5] not in unit_codes:
        check.fail(
            "IDPEL", f"kode unit {customer_id[:5]} bukan ULP yang dikenal (atau di luar unit Anda)."
        )
    tariff = check.text("TARIF", 10, required=True).upper()
    if tariff and tariff not in TARIFFS:
        check.fail("TARIF", f"'{tariff}' tidak dikenal; pilih salah satu: {', '.join(TARIFFS)}.")
    mode_text = check.text("JENIS", 20, required=True).upper()
    mode = PAYMENT_MODES.get(mode_text)
    if mode_text and mode is None:
        check.fail("JENIS", f"harus PASCABAYAR atau PRABAYAR, bukan '{mode_text}'.")
    customer = {
        "customer_id": customer_id,
        "name": check.text("NAMA", 120, required=True),
        "address": check.text("ALAMAT", 255),
        "tariff": tariff,
        "power_va": check.integer("DAYA", 100, 100_000_000, required=True),
        "payment_mode": mode,
        "route_sequence": check.integer("URUTAN_BACA", 1, 1_000_000),
        "longitude": check.decimal("KOORDINAT_X", Decimal(-180), Decimal(180)),
        "latitude": check.decimal("KOORDINAT_Y", Decimal(-90), Decimal(90)),
    }
    meter = _check_meter(check, mode)
    substation = check.text("KODE_GARDU", 20)
    route = check.text("KODE_RBM", 20)
    if len(errors) > before:
        return None
    return DilRecord(row_number, customer, meter, substation, route)


def _check_meter(check: _RowChecker, mode) -> dict | None:
    meter_number = check.text("NO_METER", 20)
    if not meter_number:
        return None
    meter = {
        "meter_number": meter_number,
        "brand": check.text("MERK_METER", 40, required=True).upper(),
        "model": check.text("TYPE_METER", 40),
        "serial_number": check.text("NO_PABRIK", 30),
        "manufacture_year": check.integer("TAHUN_METER", 1950, timezone.now().year),
        "phase": check.integer("FASA", 1, 3) or Phase.SINGLE,
        "installed_at": check.day("TGL_PASANG"),
        "supply_group": check.digits("SGC", 6),
        "tariff_index": check.digits("TI", 2),
        "key_type": check.integer("KT", 0, 3),
        "multiplier": (
            check.decimal("FKM", Decimal("0.01"), Decimal(100_000)) or Decimal(1)
        ).quantize(Decimal("0.01")),
        **_check_vending_key(check),
    }
    if meter["phase"] not in (Phase.SINGLE, Phase.THREE):
        check.fail("FASA", "harus 1 atau 3.")
    if mode == PaymentMode.PREPAID:
        for column, key in (
            ("SGC", "supply_group"),
            ("TI", "tariff_index"),
            ("VKRN", "vkrn"),
        ):
            if meter[key] in ("", None):
                check.fail(column, "wajib diisi untuk meter prabayar.")
    return meter


def _check_vending_key(check: _RowChecker) -> dict:
    """The meter's VKRN and the KRN it implies (``vending.services.vending_key_of``)."""
    vkrn = check.integer("VKRN", 1, 99)
    key_revision = check.integer("KRN", 1, 9)
    try:
        vkrn, key_revision = vending_key_of(vkrn=vkrn, key_revision=key_revision)
    except InvalidInput as exc:
        check.fail(VENDING_KEY_COLUMNS[exc.field], str(exc.message))
        return {"vkrn": None, "key_revision": key_revision}
    return {"vkrn": vkrn, "key_revision": key_revision}
