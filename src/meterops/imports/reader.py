"""Opening an uploaded file safely: what it really is, before a single cell is read.

Refused with a clear message (rules by name, docs/IMPORTS.md): a file over the size limit (the
view refuses it before reading the request body), an .xls/.ods or anything else renamed to
.xlsx, a password-protected workbook, a zip bomb (claimed uncompressed size or ratio too large),
a macro workbook (.xlsm or a vbaProject inside), cells with formulas (refused, not their cached
values: a formula's value may be stale or absent), an empty sheet.
"""

import codecs
import csv
import re
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
FORMULA_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*>\s*<f[ >/]')


class FileRefused(ValueError):
    """The file as a whole cannot be taken; the message is for the user."""


def max_upload_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)


def max_unzipped_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_UNZIPPED_BYTES", 600 * 1024 * 1024)


def check_size(size: int) -> None:
    limit = max_upload_bytes()
    if size > limit:
        raise FileRefused(
            f"Berkas terlalu besar ({size / 1048576:.1f} MB); batasnya {limit / 1048576:.0f} MB. "
            "Pecah menjadi beberapa berkas."
        )


def sniff(path: Path, name: str) -> str:
    """'xlsx' or 'csv', from the content; the name's extension must agree."""
    suffix = Path(name).suffix.lower()
    with open(path, "rb") as handle:
        head = handle.read(8)
    if suffix == ".xlsm":
        raise FileRefused("Berkas .xlsm (berisi makro) tidak diterima: simpan sebagai .xlsx.")
    if suffix not in (".xlsx", ".csv"):
        raise FileRefused(
            f"Jenis berkas {suffix or '(tanpa ekstensi)'} tidak didukung: pakai .xlsx atau .csv."
        )
    if head.startswith(OLE2_MAGIC):
        if ENCRYPTED_MARK in path.read_bytes():
            raise FileRefused(
                "Berkas dilindungi kata sandi: buka di Excel, hapus kata sandinya, simpan "
                "sebagai .xlsx lalu unggah lagi."
            )
        raise FileRefused(
            "Berkas ini format Excel lama (.xls) yang diberi nama .xlsx: buka di Excel lalu "
            "simpan sebagai .xlsx (Excel Workbook)."
        )
    if suffix == ".csv":
        if head.startswith(b"PK\x03\x04") or head.startswith(OLE2_MAGIC):
            raise FileRefused("Berkas ini bukan CSV (isinya berkas Excel/zip).")
        return "csv"
    if not head.startswith(b"PK\x03\x04"):
        raise FileRefused("Berkas ini bukan .xlsx yang sah (isinya bukan workbook Excel).")
    _check_zip(path)
    return "xlsx"


def _check_zip(path: Path) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise FileRefused("Berkas .xlsx rusak (arsip zip tidak bisa dibaca).") from None
    with archive:
        names = set(archive.namelist())
        if "mimetype" in names and b"opendocument" in archive.read("mimetype"):
            raise FileRefused(
                "Berkas ini spreadsheet OpenDocument (.ods) yang diberi nama .xlsx: simpan "
                "sebagai .xlsx (Excel Workbook) lalu unggah lagi."
            )
        if "xl/workbook.xml" not in names:
            raise FileRefused("Berkas ini bukan workbook Excel .xlsx (tidak ada xl/workbook.xml).")
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise FileRefused(
                "Berkas berisi makro (VBA) dan tidak diterima: simpan sebagai .xlsx tanpa makro."
            )
        infos = archive.infolist()
        claimed = sum(i.file_size for i in infos)
        packed = max(1, sum(i.compress_size for i in infos))
        if claimed > max_unzipped_bytes() or (claimed > 10 * 1048576 and claimed / packed > 200):
            raise FileRefused(
                "Berkas ditolak: isi yang dipadatkan terlalu besar "
                f"({claimed / 1048576:.0f} MB setelah dibuka). Kemungkinan berkas rusak atau "
                "'zip bomb'."
            )
        if not any(n.startswith("xl/worksheets/sheet") for n in names):
            raise FileRefused("Berkas tidak berisi sheet.")


def _refuse_formulas(path: Path) -> None:
    """The first formula cell of the first sheet, by its XML (``<c r="B7"><f>``), refused."""
    with zipfile.ZipFile(path) as archive, archive.open(_first_sheet(archive)) as stream:
        tail = b""
        while chunk := stream.read(1 << 20):
            block = tail + chunk
            found = FORMULA_CELL.search(block)
            if found:
                raise FileRefused(
                    f"Sel {found.group(1).decode()} berisi rumus (formula). Rumus tidak diterima: "
                    "salin lalu tempel sebagai nilai (Paste Values) dan unggah lagi."
                )
            tail = block[-200:]


def _first_sheet(archive: zipfile.ZipFile) -> str:
    names = set(archive.namelist())
    if "xl/worksheets/sheet1.xml" in names:
        return "xl/worksheets/sheet1.xml"
    return sorted(n for n in names if n.startswith("xl/worksheets/sheet"))[0]


def read_rows(path: Path, kind: str) -> Iterator[list]:
    """Every row of the first sheet, header first; cells as calamine or csv give them."""
    if kind == "csv":
        yield from _read_csv(path)
        return
    from python_calamine import CalamineError, CalamineWorkbook

    # The formula scan runs beside calamine, which lets go of the GIL while it parses.
    with ThreadPoolExecutor(1) as pool:
        scan = pool.submit(_refuse_formulas, path)
        try:
            sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
            first_row, first_column = sheet.start or (0, 0)
            rows = sheet.iter_rows()
        except CalamineError as exc:
            scan.result()  # a formula cell is the clearer message
            raise FileRefused(f"Berkas .xlsx tidak bisa dibaca: {exc}") from None
        scan.result()
    # iter_rows starts at the first used cell; keep row numbers and columns as Excel shows them.
    yield from ([] for _ in range(first_row))
    padding = [None] * first_column
    for row in rows:
        yield padding + row if first_column else row


def _read_csv(path: Path) -> Iterator[list]:
    with open(path, "rb") as handle:
        sample = handle.read(65536)
    encoding = "utf-8-sig"
    try:
        codecs.decode(sample[: sample.rfind(b"\n") + 1 or len(sample)], "utf-8")
    except UnicodeDecodeError:
        encoding = "cp1252"
    text_sample = sample.decode(encoding, errors="replace")
    try:
        dialect = csv.Sniffer().sniff(text_sample.split("\n", 1)[0], delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    with open(path, encoding=encoding, newline="") as handle:
        yield from csv.reader(handle, delimiter=delimiter)


def header_of(raw: list) -> list[str]:
    return [str(c).strip().upper() if c is not None else "" for c in raw]
