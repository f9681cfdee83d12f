"""Server-side SVG geometry of the campaign dashboard: one stacked bar per row, no JavaScript."""

from django.utils.translation import gettext_lazy as _

WIDTH, BAR, GAP, LABEL = 360, 18, 8, 96


def progress_chart(rows: list[dict]) -> dict:
    """Bars of Berhasil (green), Diganti (teal: meter replaced by one on KRN-2), Gagal (red)
    and Sisa (grey), each row scaled to 100 %."""
    plot = WIDTH - LABEL - 8
    bars = []
    for i, row in enumerate(rows):
        y = GAP + i * (BAR + GAP)
        total = row["targeted"] or 1
        x, parts = LABEL, []
        for kind, label, count in (
            ("done", _("Berhasil"), row["done"]),
            ("replaced", _("Diganti"), row["replaced"]),
            ("failed", _("Gagal"), row["failed"]),
            ("remaining", _("Sisa"), row["remaining"]),
        ):
            width = round(plot * count / total, 1)
            if width > 0:
                parts.append(
                    {"kind": kind, "label": label, "x": round(x, 1), "width": width, "count": count}
                )
            x += width
        bars.append({"y": y, "text_y": y + BAR - 5, "label": row["code"], "parts": parts, **row})
    return {"width": WIDTH, "height": GAP + len(rows) * (BAR + GAP), "bars": bars, "bar": BAR}
