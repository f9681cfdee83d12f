"""Stand-ins for the signed paper the demo needs (BA, SPJBTL): real one-page PDFs, made here
because every PDF of the system is built in this app."""

import io
from collections.abc import Iterable

from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from .text import STYLES, draw_value, plain


def demo_pdf(name: str, title: str, lines: Iterable[str] = ()) -> SimpleUploadedFile:
    """A one-page real PDF standing in for a signed and scanned document (BA, SPJBTL)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(plain(title))
    width = A4[0] - 144
    y = draw_value(canvas, title, x=72, y=770, width=width, style=STYLES["Heading3"], max_lines=2)
    for line in ("DATA DEMO - bukan dokumen asli", *lines):
        y = draw_value(canvas, line, x=72, y=y - 6, width=width, style=STYLES["Normal"])
    canvas.showPage()
    canvas.save()
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")
