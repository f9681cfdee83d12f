"""Reading the billing system's arrears file: columns IDPEL, LEMBAR, JUMLAH (.xlsx or .csv)."""

import csv
import io
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .services import ArrearsRow, BatchRejected

COLUMNS = ("IDPEL", "LEMBAR", "JUMLAH")


def _table(upload) -> list[list]:
    name = upload.name.lower()
    data = upload.read()
    if name.endswith(".csv"):
        text = data.decode("utf-8-sig", errors="replace")
        dialect = csv.Sniffer().sniff(text[:2000], delimiters=",;\t") if text.strip() else "excel"
        return [row for row in csv.reader(io.StringIO(text), dialect)]
    if name.endswith(".xlsx"):
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            return book.get_sheet_by_index(0).to_python()
        except Exception as exc:
            raise BatchRejected(_("Berkas .xlsx tidak bisa dibaca.")) from exc
    raise BatchRejected(_("Format berkas harus .xlsx atau .csv."))


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_arrears_file(upload) -> list[ArrearsRow]:
    table = [row for row in _table(upload) if any(_text(v) for v in row)]
    if not table:
        raise BatchRejected(_("Berkas kosong."))
    header = [_text(v).upper() for v in table[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise BatchRejected(_("Kolom %(cols)s tidak ada di baris judul.")
                            % {"cols": ", ".join(missing)})
    index = {c: header.index(c) for c in COLUMNS}
    rows, errors = [], []
    for number, raw in enumerate(table[1:], start=2):
        cells = {c: _text(raw[i]) if i < len(raw) else "" for c, i in index.items()}
        idpel = cells["IDPEL"]
        if not (idpel.isdigit() and len(idpel) == 12):
            errors.append(_("Baris %(n)d kolom IDPEL: harus 12 digit.") % {"n": number})
            continue
        try:
            bills = int(cells["LEMBAR"])
        except ValueError:
            errors.append(_("Baris %(n)d kolom LEMBAR: harus bilangan bulat.") % {"n": number})
            continue
        try:
            amount = Decimal(cells["JUMLAH"] or "0")
        except InvalidOperation:
            errors.append(_("Baris %(n)d kolom JUMLAH: harus angka.") % {"n": number})
            continue
        rows.append(ArrearsRow(row=number, customer_id=idpel, bills=bills, amount=amount))
    if errors:
        raise BatchRejected(" ".join(errors[:20]), errors=errors)
    return rows
