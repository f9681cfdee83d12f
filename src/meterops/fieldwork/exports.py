"""The Excel downloads of the supervision of meter reading (seed 004 §I)."""

from django.http import HttpResponse

from meterops.core.excel import xlsx_response

from .queries import GROUPS

SCORECARD_HEADERS = [
    "Kelompok",
    "Nama",
    "Sampel",
    "Sesuai jadwal",
    "% jadwal",
    "Dicek ulang",
    "Akurat",
    "% akurat",
]


def scorecard_xlsx(cards: dict[str, list[dict]], period: str) -> HttpResponse:
    """The scorecard of a BLTH per vendor, reader and RBM, as on the page."""
    rows = [
        (
            str(GROUPS[group][1]),
            row["name"],
            row["sampled"],
            row["on_schedule"],
            row["schedule_pct"],
            row["checked"],
            row["accurate"],
            row["accuracy_pct"],
        )
        for group, group_rows in cards.items()
        for row in group_rows
    ]
    return xlsx_response(f"scorecard_{period}.xlsx", f"Scorecard {period}", SCORECARD_HEADERS, rows)
