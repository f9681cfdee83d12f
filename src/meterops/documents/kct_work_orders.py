"""Cetak PK KCT: the key-change campaign's work orders, one table per officer (issue #9).
The campaign and its targets are read through their attributes only, so this module does not
import the keychange app."""

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from meterops import sts

from .text import STYLES, lines, paragraph

TOKEN_STYLE = STYLES["Code"]


def kct_work_orders_pdf(campaign, targets) -> bytes:
    """One table per officer: where to go and which KCTs to enter, in route order."""
    buffer = io.BytesIO()
    story = [paragraph(f"Perintah Kerja Entry KCT — {campaign.name}", "Title")]
    by_officer: dict[str, list] = {}
    for target in targets:
        by_officer.setdefault(str(target.assigned_to), []).append(target)
    for officer, rows in by_officer.items():
        story.append(paragraph(f"Petugas: {officer}", "Heading2"))
        data = [["IDPEL / Nama", "No meter / Merk", "KCT (input berurutan)"]]
        for t in rows:
            kct = next((k for k in t.tokens.all() if k.voided_at is None), None)
            tokens = [sts.format_token(x) for x in kct.tokens] if kct else ["-"]
            data.append(
                [
                    lines([t.customer.customer_id, t.customer.name]),
                    lines([t.meter.meter_number, t.meter.brand]),
                    lines(tokens, TOKEN_STYLE),
                ]
            )
        table = Table(data, colWidths=[150, 120, 220], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [table, Spacer(1, 12)]
    if not by_officer:
        story.append(paragraph("Belum ada KCT yang ditugaskan."))
    SimpleDocTemplate(buffer, pagesize=A4, title=f"PK KCT {campaign.pk}").build(story)
    return buffer.getvalue()
