"""Reading an uploaded file into rows, in a child process the worker can afford to lose.

Plain Python (the standard library and python-calamine, no Django): ``reader.read_rows`` runs
``main`` as ``python -m meterops.imports.parsing`` under address-space and CPU limits and takes
the rows from its output, so a parser that aborts (calamine asked for 512 GB for one cell at
XFD1048576 and aborted the whole worker, issue #17), runs out of memory or loops fails only the
upload it was reading.

Refused before calamine opens a file, each with an Indonesian message (rules by name,
docs/IMPORTS.md): an empty file; an .xls/.ods, PNG, CSV or anything else renamed to .xlsx; a
password-protected workbook; a zip bomb (claimed uncompressed size or ratio too large); a
member name that climbs out of the package (``../``) or an encrypted member; a macro workbook;
an XML part that declares a DTD or entities ("XML bomb"); a first sheet wider than the template
or longer than the row limit, by its declared ``<dimension>`` and by the position of every cell
that holds something; formulas. A CSV is held to the same width and row limits.
"""

import codecs
import csv
import json
import pickle
import re
import resource
import sys
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
FORMULA_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*>\s*<f[ >/]')
DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)\b")
EMPTY_FILE = "Berkas kosong (0 byte): tidak ada yang bisa dibaca. Pilih berkas yang berisi data."
ROWS_PER_FRAME = 5000
BLOCK = 1 << 20
# What Python's zipfile raises for a damaged package (truncated, bad CRC, unknown compression):
# the file is refused as damaged, the check does not break down.
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


class FileRefused(ValueError):
    """The file as a whole cannot be taken; the message is for the user."""


@dataclass(frozen=True)
class Limits:
    """What one file may hold and what reading it may cost (settings, read by the parent)."""

    max_unzipped_bytes: int
    max_rows: int  # data rows, below the header row
    max_columns: int  # the template's columns and the error report's, plus blank spares
    memory_bytes: int  # RLIMIT_AS of the child
    cpu_seconds: int  # RLIMIT_CPU of the child


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
    if not head:
        raise FileRefused(EMPTY_FILE)
    if head.startswith(OLE2_MAGIC):
        if _contains(path, ENCRYPTED_MARK):
            raise FileRefused(
                "Berkas dilindungi kata sandi: buka di Excel, hapus kata sandinya, simpan "
                "sebagai .xlsx lalu unggah lagi."
            )
        raise FileRefused(
            "Berkas ini format Excel lama (.xls) yang diberi nama .xlsx: buka di Excel lalu "
            "simpan sebagai .xlsx (Excel Workbook)."
        )
    if suffix == ".csv":
        if head.startswith(b"PK\x03\x04"):
            raise FileRefused("Berkas ini bukan CSV (isinya berkas Excel/zip).")
        return "csv"
    if not head.startswith(b"PK\x03\x04"):
        raise FileRefused("Berkas ini bukan .xlsx yang sah (isinya bukan workbook Excel).")
    return "xlsx"


def _contains(path: Path, mark: bytes) -> bool:
    tail = b""
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            if mark in tail + block:
                return True
            tail = block[-len(mark) :]
    return False


def _check_zip(archive: zipfile.ZipFile, limits: Limits) -> None:
    """The package as a whole, before any member is inflated."""
    infos = archive.infolist()
    claimed = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if claimed > limits.max_unzipped_bytes or (claimed > 10 * 1048576 and claimed / packed > 200):
        raise FileRefused(
            "Berkas ditolak: isi yang dipadatkan terlalu besar "
            f"({claimed / 1048576:.0f} MB setelah dibuka). Kemungkinan berkas rusak atau "
            "'zip bomb'."
        )
    for info in infos:
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if info.filename.startswith(("/", "\\")) or ".." in parts or ":" in info.filename:
            raise FileRefused(
                f"Berkas ditolak: berisi bagian bernama {info.filename[:80]!r} yang menunjuk ke "
                "luar berkas (misalnya '../'). Simpan ulang dari Excel sebagai .xlsx."
            )
        if info.flag_bits & 0x1:
            raise FileRefused(
                "Berkas dilindungi kata sandi: buka di Excel, hapus kata sandinya, simpan "
                "sebagai .xlsx lalu unggah lagi."
            )
    names = {i.filename for i in infos}
    if "mimetype" in names and b"opendocument" in _head(archive, "mimetype", 200):
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
    # A DTD sits in a part's prolog. calamine's XML reader never expands one (an entity bomb
    # cannot grow there), but its error was raw parser text: this gives the plain reason.
    for name in sorted(names):
        if name.endswith((".xml", ".rels")) and DECLARATION.search(_head(archive, name, 65536)):
            raise FileRefused(
                f"Berkas ditolak: bagian {name} memuat deklarasi DTD/entitas XML, yang tidak "
                "pernah ditulis Excel (kemungkinan 'XML bomb'). Simpan ulang dari Excel sebagai "
                ".xlsx lalu unggah lagi."
            )


def _head(archive: zipfile.ZipFile, name: str, size: int) -> bytes:
    with archive.open(name) as member:
        return member.read(size)


COMMENT = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>", re.S)  # what calamine skips
SHEET_TAG = re.compile(rb"<(?:[\w.-]+:)?sheet\b([^>]*)>")
RELATION_TAG = re.compile(rb"<(?:[\w.-]+:)?Relationship\b([^>]*)>")
ATTRIBUTE = re.compile(rb"""(?:^|\s)([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _attributes(text: bytes) -> dict[bytes, bytes]:
    return {m[1]: m[2] if m[2] is not None else m[3] for m in ATTRIBUTE.finditer(text)}


def first_sheet(archive: zipfile.ZipFile) -> tuple[str, str]:
    """(name, member) of the workbook's first sheet, found as calamine finds it: the first
    ``<sheet>`` of xl/workbook.xml and its relationship's target."""
    names = set(archive.namelist())
    workbook = COMMENT.sub(b"", _head(archive, "xl/workbook.xml", 16 * 1048576))
    sheet = next(SHEET_TAG.finditer(workbook), None)
    relations = (
        _head(archive, "xl/_rels/workbook.xml.rels", 16 * 1048576)
        if "xl/_rels/workbook.xml.rels" in names
        else b""
    )
    if sheet is not None:
        attributes = _attributes(sheet[1])
        wanted = attributes.get(b"r:id", attributes.get(b"relationships:id"))
        for relation in RELATION_TAG.finditer(relations):
            found = _attributes(relation[1])
            if found.get(b"Id") == wanted and b"Target" in found:
                target = found[b"Target"].decode("utf-8", "replace")
                member = target[1:] if target.startswith("/xl/") else target
                member = member if member.startswith("xl/") else "xl/" + member
                if member in names:
                    title = attributes.get(b"name", b"").decode("utf-8", "replace")
                    return _unescape(title), member
    raise FileRefused(
        "Berkas .xlsx rusak: sheet pertamanya tidak ditemukan. Simpan ulang dari Excel."
    )


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def column_letters(number: int) -> str:
    """1 -> A, 27 -> AA (Excel's column names)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _above(limit: int) -> bytes:
    """A regex for the decimal integers greater than ``limit`` (leading zeros allowed)."""
    digits = str(limit)
    options = [rb"[1-9]\d{%d,}" % len(digits)]
    for at, digit in enumerate(digits):
        if digit != "9":
            options.append(
                digits[:at].encode()
                + b"[%d-9]" % (int(digit) + 1)
                + (rb"\d{%d}" % (len(digits) - at - 1) if at < len(digits) - 1 else b"")
            )
    return b"0*(?:" + b"|".join(options) + b")"


def _letters_above(limit: int) -> bytes:
    """A regex for the column names (any case) after column number ``limit``."""
    name = column_letters(limit)
    options = [b"[A-Za-z]{%d,}" % (len(name) + 1)]
    for at, letter in enumerate(name):
        if letter != "Z":
            after = chr(ord(letter) + 1)
            options.append(
                b"".join(b"[%s%s]" % (c.encode(), c.lower().encode()) for c in name[:at])
                + f"[{after}-Z{after.lower()}-z]".encode()
                + (b"[A-Za-z]{%d}" % (len(name) - at - 1) if at < len(name) - 1 else b"")
            )
    return b"(?:" + b"|".join(options) + b")"


TAG_ATTRIBUTES = rb"""(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*"""
# Every cell and row tag of a file Excel, LibreOffice or openpyxl wrote starts like this.
ODD_CELL = re.compile(rb'<c(?! r=")[\s/>]')
ODD_ROW = re.compile(rb'<row(?! r=")[\s/>]')
PREFIXED = re.compile(rb":(?:c|row)[\s/>]")
TAG = re.compile(rb"""<(/?)(?:[^\s/>:<]+:)?(row|c)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>""")
DIMENSION = re.compile(rb"""<(?:[\w.-]+:)?dimension\b[^>]*?\sref\s*=\s*["']([^"']*)["']""")
REFERENCE = re.compile(rb"\$?([A-Za-z]{1,7})\$?([0-9]{1,10})")
LAST_ROW = re.compile(rb'<row r="([0-9]+)"')
LAST_CELL = re.compile(rb'<c r="([A-Za-z]+)[0-9]+"')


class SheetExtent:
    """The first sheet's extent, checked against the limits before calamine is handed it.

    calamine sizes its grid from the last row and column of any cell that holds something: a
    cell's ``r`` reference, or for a cell without one the column after the previous cell in a
    row after the previous row (a row's ``r``, or the one after the previous row). Files
    written by Excel, LibreOffice and openpyxl give every cell and row its ``r`` first: the
    fast path only looks for cell references past the limits. Anything else (no ``r``,
    prefixed tags) is walked tag by tag the way calamine does, from the row and column the
    fast path saw last.
    """

    def __init__(self, sheet_name: str, limits: Limits):
        self.sheet_name, self.limits = sheet_name, limits
        self.last_row = limits.max_rows + 1  # the header row on top
        self.beyond = re.compile(
            b'r="(?:[A-Za-z]+'
            + _above(self.last_row)
            + b"|"
            + _letters_above(limits.max_columns)
            + rb'[0-9]+)"'
            + TAG_ATTRIBUTES
            + b">"
        )
        self.walking = self.in_data = False
        self.row = self.column = 0  # calamine's running position (0-based)

    def scan(self, stream) -> None:
        rest = b""
        while block := stream.read(BLOCK):
            block = rest + block
            cut = block.rfind(b"<")  # a tag is never cut in two: the last one waits
            block, rest = (block, b"") if cut < 0 else (block[:cut], block[cut:])
            if len(rest) > BLOCK:
                raise FileRefused(
                    f"Sheet '{self.sheet_name}' tidak sah: satu bagian XML-nya lebih dari 1 MB "
                    "tanpa tag (satu sel Excel paling banyak 32.767 karakter). Simpan ulang dari "
                    "Excel sebagai .xlsx lalu unggah lagi."
                )
            if not self.in_data:  # calamine reads a <dimension> only before <sheetData>
                self._dimension(block)
                self.in_data = b"sheetData" in block
            self._block(block)
        self._block(rest)

    def _dimension(self, block: bytes) -> None:
        found = DIMENSION.search(block)
        if found is None:
            return
        for reference in found[1].split(b":"):
            parts = REFERENCE.fullmatch(reference)
            if parts:
                self._refuse_beyond(column_number(parts[1]), int(parts[2]), how="declared")

    def _block(self, block: bytes) -> None:
        if not self.walking and (
            ODD_CELL.search(block) or ODD_ROW.search(block) or PREFIXED.search(block)
        ):
            self.walking = True  # from here on, every tag the way calamine reads it
        if self.walking:
            self._walk(block)
            return
        found = self.beyond.search(block)
        if found:
            parts = REFERENCE.match(found.group().partition(b'"')[2])
            self._refuse_beyond(column_number(parts[1]), int(parts[2]), how="cell")
        self._remember_position(block)

    def _remember_position(self, block: bytes) -> None:
        """Where calamine stands after this block, at most: a walk starts from there."""
        row_at = block.rfind(b'<row r="')
        row = LAST_ROW.match(block, row_at) if row_at >= 0 else None
        if row:
            self.row, self.column = int(row[1]), 0  # as if that row had ended: one more
        cell_at = block.rfind(b'<c r="')
        cell = LAST_CELL.match(block, cell_at) if cell_at > row_at else None
        if cell:
            self.column = column_number(cell[1])

    def _walk(self, block: bytes) -> None:
        for closing, name, attributes in TAG.findall(block):
            empty = attributes.endswith(b"/")
            if name == b"row":
                if not closing:
                    reference = _attributes(attributes).get(b"r")
                    if reference is not None and reference.isdigit():
                        self.row = int(reference) - 1
                if closing or empty:
                    self.row, self.column = self.row + 1, 0
                continue
            if closing:
                continue
            reference = _attributes(attributes).get(b"r")
            parts = REFERENCE.fullmatch(reference) if reference is not None else None
            if parts:
                row, column = int(parts[2]) - 1, column_number(parts[1]) - 1
            else:
                row, column = self.row, self.column
            self.column = column + 1
            if not empty:  # a self-closing cell holds nothing and makes no room
                self._refuse_beyond(column + 1, row + 1, how="cell")

    def _refuse_beyond(self, column: int, row: int, *, how: str) -> None:
        refuse_beyond(self.sheet_name, self.limits, column, row, how=how)


def refuse_beyond(sheet_name: str, limits: Limits, column: int, row: int, *, how: str) -> None:
    """Refuse a sheet that reaches ``column``/``row`` (1-based) past the limits, saying so:
    ``how`` is "declared" (its <dimension>), "cell" or "read" (calamine's grid)."""
    if column <= limits.max_columns and row <= limits.max_rows + 1:
        return
    where = f"{column_letters(column)}{row}"
    said = {
        "declared": f"menyatakan ukurannya sampai {where}",
        "cell": f"berisi sel sampai {where}",
        "read": f"terbaca sampai {where}",
    }[how]
    if column > limits.max_columns:
        raise FileRefused(
            f"Sheet '{sheet_name}' {said} (kolom ke-{_number(column)}), lebih lebar dari template "
            f"ini (paling banyak {limits.max_columns} kolom, sampai kolom "
            f"{column_letters(limits.max_columns)}). Hapus kolom kosong atau berformat di sebelah "
            "kanan data, simpan, lalu unggah lagi."
        )
    raise FileRefused(
        f"Sheet '{sheet_name}' {said} (baris ke-{_number(row)}); batasnya "
        f"{_number(limits.max_rows)} baris data di bawah baris judul. Hapus baris kosong atau "
        "berformat di bawah data, atau pecah menjadi beberapa berkas."
    )


def _number(value: int) -> str:
    """1.048.576: numbers in messages read the Indonesian way."""
    return f"{value:,}".replace(",", ".")


def _refuse_formulas(path: Path, member: str) -> None:
    """The first formula cell of the first sheet, by its XML (``<c r="B7"><f>``), refused."""
    with zipfile.ZipFile(path) as archive, archive.open(member) as stream:
        tail = b""
        while chunk := stream.read(BLOCK):
            block = tail + chunk
            found = FORMULA_CELL.search(block)
            if found:
                raise FileRefused(
                    f"Sel {found.group(1).decode()} berisi rumus (formula). Rumus tidak diterima: "
                    "salin lalu tempel sebagai nilai (Paste Values) dan unggah lagi."
                )
            tail = block[-200:]


def _unreadable() -> FileRefused:
    return FileRefused(
        "Berkas .xlsx rusak atau isinya tidak sah, sehingga tidak bisa dibaca. Buka di Excel, "
        "simpan ulang sebagai .xlsx (Excel Workbook), lalu unggah lagi."
    )


def read_xlsx(path: Path, limits: Limits) -> Iterator[list]:
    """Every row of the first sheet, header first, once the package and the sheet passed."""
    try:
        with zipfile.ZipFile(path) as archive:
            _check_zip(archive, limits)
            name, member = first_sheet(archive)
            with archive.open(member) as stream:
                SheetExtent(name, limits).scan(stream)
    except ZIP_ERRORS:
        raise FileRefused("Berkas .xlsx rusak (arsip zip tidak bisa dibaca).") from None
    from python_calamine import CalamineError, CalamineWorkbook

    # The formula scan runs beside calamine, which lets go of the GIL while it parses.
    with ThreadPoolExecutor(1) as pool:
        scan = pool.submit(_refuse_formulas, path, member)
        try:
            sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
            first_row, first_column = sheet.start or (0, 0)
            last_row, last_column = sheet.end or (0, 0)
            rows = sheet.iter_rows()
        except CalamineError as exc:
            with suppress(*ZIP_ERRORS):
                scan.result()  # a formula cell is the clearer message
            print(f"calamine: {exc}", file=sys.stderr)  # the detail, for the worker's log
            raise _unreadable() from None
        try:
            scan.result()
        except ZIP_ERRORS:
            raise FileRefused("Berkas .xlsx rusak (arsip zip tidak bisa dibaca).") from None
    # The scan above decided from the XML; calamine's own grid is the last word.
    refuse_beyond(name, limits, last_column + 1, last_row + 1, how="read")
    # iter_rows starts at the first used cell; keep row numbers and columns as Excel shows them.
    yield from ([] for _ in range(first_row))
    padding = [None] * first_column
    for row in rows:
        yield padding + row if first_column else row


def read_csv(path: Path, limits: Limits) -> Iterator[list]:
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
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        number = 0
        try:
            for number, row in enumerate(csv.reader(handle, delimiter=delimiter), start=1):
                if len(row) > limits.max_columns:
                    raise FileRefused(
                        f"Baris {number} berisi {len(row)} kolom, lebih lebar dari template ini "
                        f"(paling banyak {limits.max_columns} kolom). Periksa pemisah kolomnya."
                    )
                if number > limits.max_rows + 1:
                    raise FileRefused(
                        f"Berkas lebih dari {_number(limits.max_rows)} baris data; pecah menjadi "
                        "beberapa berkas."
                    )
                yield row
        except csv.Error:
            raise FileRefused(
                f"Berkas CSV tidak bisa dibaca setelah baris {number}: satu sel terlalu panjang "
                "atau tanda kutipnya tidak ditutup."
            ) from None


def read_rows(path: Path, name: str, limits: Limits) -> Iterator[list]:
    """Every row of the file (the first sheet of a workbook), header first."""
    if sniff(path, name) == "csv":
        return read_csv(path, limits)
    return read_xlsx(path, limits)


def main() -> None:
    """The child: limit itself, read the file named on the command line, and write its rows to
    stdout as pickled frames: ("rows", [...]) repeatedly, then ("end", None) or
    ("refused", message). A crash shows in the exit status, the detail on stderr."""
    job = json.loads(sys.argv[1])
    limits = Limits(**job["limits"])
    for limit, soft, hard in (
        (resource.RLIMIT_AS, limits.memory_bytes, limits.memory_bytes),
        (resource.RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 5),
    ):
        try:
            resource.setrlimit(limit, (soft, hard))
        except (ValueError, OSError) as exc:  # e.g. macOS refuses RLIMIT_AS: development only
            print(f"upload reader: limit {limit} not set: {exc}", file=sys.stderr)
    out = sys.stdout.buffer
    try:
        frame = []
        for row in read_rows(Path(job["path"]), job["name"], limits):
            frame.append(row)
            if len(frame) == ROWS_PER_FRAME:
                pickle.dump(("rows", frame), out, protocol=pickle.HIGHEST_PROTOCOL)
                frame = []
        if frame:
            pickle.dump(("rows", frame), out, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(("end", None), out)
    except FileRefused as exc:
        pickle.dump(("refused", str(exc)), out)
    except BrokenPipeError:
        return  # the parent stopped reading (it refused the header): nothing more to say
    out.flush()


def job_argument(path: Path, name: str, limits: Limits) -> str:
    return json.dumps({"path": str(path), "name": name, "limits": asdict(limits)})


if __name__ == "__main__":
    main()
