"""Numbers inside SVG are never localised (issue #20): in Indonesian a float renders as
"370,0", which no browser reads as a length, and the chart is drawn blank."""

import re
from types import SimpleNamespace as NS

from django.template.loader import render_to_string
from django.utils import translation

NUMERIC = ("x", "y", "dx", "width", "height", "x1", "x2", "y1", "y2", "cx", "cy", "r")
ATTRIBUTE = re.compile(r'\s({})="([^"]*)"'.format("|".join(NUMERIC)))


def svg_numbers(html: str) -> list[tuple[str, str]]:
    """Every numeric attribute (and viewBox/points) inside the page's SVGs."""
    found = []
    for svg in re.findall(r"<svg\b.*?</svg>", html, re.S):
        found += ATTRIBUTE.findall(svg)
        found += [("viewBox", v) for v in re.findall(r'viewBox="([^"]*)"', svg)]
        found += [("points", v) for v in re.findall(r'points="([^"]*)"', svg)]
    return found


def assert_machine_numbers(html: str) -> None:
    pairs = svg_numbers(html)
    assert pairs, "no SVG rendered"
    bad = [(name, value) for name, value in pairs if "," in value.replace(", ", " ")]
    bad += [
        (name, value)
        for name, value in pairs
        if name not in ("viewBox", "points") and not re.fullmatch(r"-?\d+(\.\d+)?", value)
    ]
    assert not bad, bad


def _render(template: str, context: dict) -> str:
    with translation.override("id"):
        return render_to_string(template, context)


def test_home_dashboard_chart(db):
    bar = NS(
        label="ULP ALFA",
        label_y=12.5,
        y=2.5,
        printed_width=370.0,
        printed=12,
        replaced_y=16.5,
        replaced_width=123.4,
        replaced=4,
    )
    chart = NS(
        width=520.0,
        height=80.5,
        bars=[bar],
        label_width=120,
        bar_height=12,
        legend_y=70,
        drawn=True,
    )
    data = NS(rows=[], month=None, chart=chart, overdue=[], overdue_count=0, overdue_days=7)
    assert_machine_numbers(_render("replacement/_dashboard_panel.html", {"data": data}))


def test_krn2_progress_chart(db):
    part = NS(x=100.5, width=33.3, kind="done", count=3)
    chart = NS(
        width=480.0, height=40.5, bar=12, bars=[NS(label="ULP", text_y=12.5, y=2.5, parts=[part])]
    )
    html = _render(
        "keychange/_progress_section.html",
        {"title": "Per ULP", "rows": [1], "chart": chart, "table_id": "t", "columns": []},
    )
    assert_machine_numbers(html)
