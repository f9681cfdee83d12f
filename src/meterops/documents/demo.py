"""Stand-ins for the signed paper the demo needs (BA, SPJBTL): real one-page PDFs, made here
because every PDF of the system is built in this app."""

import io
from collections.abc import Iterable

from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas


def demo_pdf(name: str, title: str, lines: Iterable[str] = ()) -> SimpleUploadedFile:
    """A one-page real PDF standing in for a signed and scanned document (BA, SPJBTL)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(title)
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(72, 770, title)
    canvas.setFont("Helvetica", 11)
    for n, line in enumerate(("DATA DEMO - bukan dokumen asli", *lines)):
        canvas.drawString(72, 740 - 16 * n, line)
    canvas.showPage()
    canvas.save()
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")
