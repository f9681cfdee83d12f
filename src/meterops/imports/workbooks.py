"""The workbooks the pipeline writes: a template to fill in, and the error report of an upload.

Both go through core.excel.safe_cell, so no cell the system writes can start a formula.
"""

import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from meterops.core.excel import safe_cell, xlsx_bytes

from .models import Upload, UploadRow
from .reader import max_upload_bytes
from .registry import ImportTemplate, Kind, RowStatus
from .services import REPORT_HEADERS, REPORT_PROGRESS_ROWS

ROW_HEADER, REASON_HEADER = REPORT_HEADERS
KIND_TEXT = {
    Kind.TEXT: "teks",
    Kind.IDPEL: "IDPEL 12 digit (teks)",
    Kind.INTEGER: "bilangan bulat",
    Kind.DECIMAL: "angka desimal",
    Kind.DATE: "tanggal YYYY-MM-DD",
    Kind.DATETIME: "tanggal dan jam YYYY-MM-DD HH:MM",
    Kind.CHOICE: "pilih dari daftar",
}
LIST_ROWS = 5000  # data validation covers this many rows below the header


def template_bytes(template: ImportTemplate) -> bytes:
    """Header row with notes as comments, drop-downs for fixed values, one example row, and an
    instruction sheet in Indonesian."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    lists = workbook.create_sheet("Daftar")
    fill = PatternFill("solid", fgColor="DDEBF7")
    list_column = 0
    for index, column in enumerate(template.columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=safe_cell(column.header))
        cell.font, cell.fill = Font(bold=True), fill
        note = f"{KIND_TEXT[column.kind]}{', wajib' if column.required else ''}. {column.note}"
        cell.comment = Comment(note.strip(), "meterops", width=260, height=110)
        sheet.column_dimensions[letter].width = max(14, len(column.header) + 4)
        if column.kind in (Kind.IDPEL, Kind.TEXT):
            for row in range(2, LIST_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = "@"
        example = column.example
        if column.kind == Kind.DECIMAL and example != "":
            example = float(example)  # a number cell, never the text "'-6.9"
        values = column.choice_values() if column.choices else ()
        if values and not example:
            example = values[0]
        sheet.cell(row=2, column=index, value=safe_cell(example if example != "" else None))
        if values:
            list_column += 1
            list_letter = get_column_letter(list_column)
            lists.cell(row=1, column=list_column, value=safe_cell(column.header))
            for offset, value in enumerate(values, start=2):
                lists.cell(row=offset, column=list_column, value=safe_cell(value))
            validation = DataValidation(
                type="list",
                formula1=f"=Daftar!${list_letter}$2:${list_letter}${len(values) + 1}",
                allow_blank=not column.required,
                showErrorMessage=True,
                errorTitle="Nilai tidak ada di daftar",
                error=f"Pilih {column.header} dari daftar.",
            )
            validation.add(f"{letter}2:{letter}{LIST_ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    # The data sheet stays first: the pipeline reads the first sheet of an uploaded workbook.
    _instructions(workbook.create_sheet("Petunjuk", 1), template)
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _instructions(sheet, template: ImportTemplate) -> None:
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 90
    sheet.append([safe_cell(f"Petunjuk pengisian: {template.title}")])
    sheet["A1"].font = Font(bold=True, size=13)
    if template.description:
        sheet.append([safe_cell(template.description)])
    sheet.append([])
    general = (
        "Isi data pada sheet Data (sheet pertama) mulai baris 2; baris 2 adalah contoh, hapus "
        "atau timpa. Jangan memindahkan sheet Data dari urutan pertama.",
        f"Simpan sebagai .xlsx (atau .csv); ukuran maksimal {max_upload_bytes() // 1048576} MB.",
        "Baris yang salah tidak menggagalkan baris lain: setelah diperiksa Anda melihat "
        "ringkasan dan dapat mengunduh laporan kesalahan untuk diperbaiki lalu diunggah lagi.",
    )
    for number, line in enumerate((*general, *template.instructions), start=1):
        sheet.append([f"{number}.", safe_cell(line)])
    sheet.append([])
    sheet.append(["Kolom", "Keterangan"])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for column in template.columns:
        required = "wajib" if column.required else "boleh kosong"
        text = f"{KIND_TEXT[column.kind]}, {required}. {column.note}".strip()
        if column.choices:
            text += " Pilihan: " + ", ".join(column.choice_values()[:30])
        sheet.append([safe_cell(column.header), safe_cell(text)])
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def error_report_bytes(upload: Upload, template: ImportTemplate, *, progress=None) -> bytes:
    """The rejected rows as they were typed, plus the row number and the reason;
    ``progress(count)`` hears how many rows are written, every few thousand."""
    header = upload.header or list(template.headers)
    rows = (
        UploadRow.objects.filter(upload=upload, status=RowStatus.REJECTED)
        .order_by("row_number")
        .values_list("row_number", "raw", "error_column", "reason")
        .iterator(chunk_size=2000)
    )

    def lines():
        count = 0
        for count, (number, raw, column, reason) in enumerate(rows, start=1):
            cells = list(raw)[: len(header)]
            cells += [""] * (len(header) - len(cells))
            yield [*cells, number, f"{column}: {reason}" if column else reason]
            if progress is not None and count % REPORT_PROGRESS_ROWS == 0:
                progress(count)
        if progress is not None:
            progress(count)

    return xlsx_bytes("Ditolak", [*header, ROW_HEADER, REASON_HEADER], lines())
