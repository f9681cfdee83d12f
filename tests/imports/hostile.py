"""A corpus of hostile upload files, each built here in code (a few KB, no binary fixtures),
with the words of the message that must refuse it (issue #17, "Keep the test in the suite").

``CORPUS`` maps a name to ``(file name, bytes, expected words)``; ``workbook(sheet_xml)`` makes a
minimal .xlsx package around one sheet, the way the hostile ones were made.
"""

import io
import struct
import zipfile
import zlib

import openpyxl

TO_HEADERS = (
    "IDPEL",
    "JENIS_KERUSAKAN",
    "STAN_SAAT_DITEMUKAN",
    "KOORDINAT_X",
    "KOORDINAT_Y",
    "KETERANGAN",
)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    b'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    b'worksheet+xml"/></Types>'
)
PACKAGE_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<workbook xmlns="' + MAIN.encode() + b'" xmlns:r="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/>'
    b"</sheets></workbook>"
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def workbook(
    sheet: bytes, extra: dict[str, bytes] | None = None, *, first="worksheets/sheet1.xml"
) -> bytes:
    """A minimal .xlsx package whose first sheet is ``sheet``, or the member ``first`` names."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            WORKBOOK_RELS.replace(b"worksheets/sheet1.xml", first.encode()),
        )
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def sheet_xml(body: bytes, *, dimension: bytes = b"", prefix: str = "") -> bytes:
    """A worksheet with the template's header row, then ``body`` (rows as XML)."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f"xmlns:{prefix}" if prefix else "xmlns"
    header = "".join(
        f'<{p}c r="{chr(65 + i)}1" t="inlineStr"><{p}is><{p}t>{h}</{p}t></{p}is></{p}c>'
        for i, h in enumerate(TO_HEADERS)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><{p}worksheet {xmlns}="{MAIN}">'
    ).encode() + (
        dimension
        + f'<{p}sheetData><{p}row r="1">{header}</{p}row>'.encode()
        + body
        + f"</{p}sheetData></{p}worksheet>".encode()
    )


def far_cell(reference: str = "XFD1048576") -> bytes:
    """The 4.8 KB sheet of the finding: one cell at the last column and row."""
    row = "".join(ch for ch in reference if ch.isdigit())
    return workbook(sheet_xml(f'<row r="{row}"><c r="{reference}"><v>1</v></c></row>'.encode()))


def good_workbook(rows=(), headers=TO_HEADERS) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _claims_four_gigabytes() -> bytes:
    """A zip bomb by its central directory: one member claims 4 GB uncompressed."""
    data = bytearray(good_workbook())
    at = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, at + 24, 0xFFFFFF00)
    return bytes(data)


def _entity_bomb() -> bytes:
    """Billion laughs in the shared strings the sheet points to."""
    entities = "".join(
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' if n else '<!ENTITY l0 "ha">' for n in range(10)
    )
    strings = (
        f'<?xml version="1.0"?><!DOCTYPE sst [{entities}]><sst xmlns="{MAIN}" count="1" '
        f'uniqueCount="1"><si><t>&l9;</t></si></sst>'
    ).encode()
    sheet = sheet_xml(b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>')
    return workbook(sheet, {"xl/sharedStrings.xml": strings})


def _with_member(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO(good_workbook())
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def _plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("baca-saya.txt", b"bukan workbook")
    return buffer.getvalue()


def _png(width: int, height: int) -> bytes:
    """A PNG that claims width x height pixels (a decompression 'pixel bomb')."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 65536, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _jpeg(width: int, height: int) -> bytes:
    """A JPEG whose frame header claims width x height pixels."""
    frame = struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\xff\xc0"
        + struct.pack(">H", len(frame) + 2)
        + frame
        + b"\xff\xd9"
    )


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "Workbook".encode("utf-16-le")

CORPUS = {
    "cell at XFD1048576": ("to.xlsx", far_cell(), "berisi sel sampai XFD1048576"),
    "declared XFD1048576": (
        "to.xlsx",
        workbook(sheet_xml(b"", dimension=b'<dimension ref="A1:XFD1048576"/>')),
        "menyatakan ukurannya sampai XFD1048576",
    ),
    "cells without references run wide": (
        "to.xlsx",
        workbook(sheet_xml(b"<row>" + b"<c><v>1</v></c>" * 40 + b"</row>")),
        "berisi sel sampai AD2",  # one column wider since TO Ex DG gained LBKB
    ),
    "prefixed cell at XFD1048576": (
        "to.xlsx",
        workbook(
            sheet_xml(b'<x:row r="3"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>', prefix="x")
        ),
        "berisi sel sampai XFD1048576",
    ),
    "a million rows down": ("to.xlsx", far_cell("A1048576"), "baris ke-1.048.576"),
    "zip bomb": ("bom.xlsx", _claims_four_gigabytes(), "zip bomb"),
    "XML entity bomb": ("tawa.xlsx", _entity_bomb(), "deklarasi DTD/entitas XML"),
    "macro part": ("to.xlsx", _with_member("xl/vbaProject.bin", OLE2), "makro (VBA)"),
    "OLE renamed to .xlsx": ("lama.xlsx", OLE2 + b"\x00" * 1024, "format Excel lama (.xls)"),
    "PNG renamed to .xlsx": ("foto.xlsx", _png(64, 64), "bukan .xlsx yang sah"),
    "CSV renamed to .xlsx": ("to.xlsx", b"IDPEL;JENIS_KERUSAKAN\n1;2\n", "bukan .xlsx yang sah"),
    "plain zip": ("arsip.xlsx", _plain_zip(), "tidak ada xl/workbook.xml"),
    "../ member": ("to.xlsx", _with_member("../../luar.txt", b"x"), "menunjuk ke luar berkas"),
    "truncated": ("to.xlsx", good_workbook()[:2000], "rusak"),
    "empty": ("to.xlsx", b"", "Berkas kosong (0 byte)"),
    "pixel-bomb PNG": ("bom.png", _png(0x7FFFFFFF, 0x7FFFFFFF), "Jenis berkas .png tidak"),
    "pixel-bomb PNG renamed": ("bom.xlsx", _png(0x7FFFFFFE, 0x7FFFFFFF), "bukan .xlsx yang sah"),
    "pixel-bomb JPEG": ("bom.jpg", _jpeg(65500, 65500), "Jenis berkas .jpg tidak"),
    "pixel-bomb JPEG renamed": ("bom.xlsx", _jpeg(65499, 65500), "bukan .xlsx yang sah"),
}
