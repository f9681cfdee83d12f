"""What the templates put on screen, checked from the source (issue #20).

The screens are written in Indonesian: every word the project marks for translation must
reach the user as written. Django's own Indonesian catalogue knows some of the same words in
English ("No", "Order") and would show "Tidak" and "Urutan" in their place (issue #20);
``meterops/locale`` keeps them."""

import ast
import re
from pathlib import Path

from django.utils import translation

import meterops

SOURCE = Path(meterops.__file__).parent
TEMPLATE_STRING = re.compile(r"""\{%\s*(?:translate|trans)\s+(["'])(.+?)\1""")
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "_lazy"}


def template_strings():
    for path in SOURCE.rglob("templates/**/*.html"):
        for match in TEMPLATE_STRING.finditer(path.read_text()):
            yield path, match.group(2)


def python_strings():
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) in GETTEXT_NAMES
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                yield path, node.args[0].value


def test_the_scan_finds_the_words_it_guards():
    words = {text for _path, text in template_strings()} | {t for _p, t in python_strings()}
    assert {"No", "Order", "Dashboard", "Cek Status Terakhir"} <= words


def test_every_word_of_the_project_is_shown_as_written():
    changed = []
    with translation.override("id"):
        for path, text in [*template_strings(), *python_strings()]:
            shown = translation.gettext(text)
            if shown != text:
                changed.append(f"{path.relative_to(SOURCE)}: {text!r} is shown as {shown!r}")
    assert not changed, "\n".join(sorted(set(changed)))


def test_every_scrolling_table_can_be_reached_by_keyboard():
    # axe's scrollable-region-focusable (serious): a table wider than the phone scrolls inside
    # its .table-responsive, which a keyboard user reaches only with tabindex (issue #20).
    unreachable = [
        str(path.relative_to(SOURCE))
        for path in SOURCE.rglob("templates/**/*.html")
        if re.search(r'<div class="table-responsive', path.read_text())
    ]
    assert not unreachable, unreachable
