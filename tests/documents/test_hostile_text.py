"""Every PDF the system prints, rendered with hostile text in every field (issue #17, High).

A value is text, never ReportLab markup: an ``<img src=…>`` in a customer's name must not embed
a file, an unclosed ``<b>`` must not fail the render, and a long word must not run off the page.
The builders are collected from ``meterops.documents``: a new one without a case here fails.
"""

import ast
import importlib
import inspect
import io
import pkgutil
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pypdf
import pytest
from PIL import Image
from reportlab.pdfbase.pdfmetrics import stringWidth

import meterops
import meterops.documents

SRC = Path(meterops.__file__).resolve().parent
HELPER_MODULES = {"text", "layout"}  # shared drawing helpers, not documents of their own
MARKUP = '<img src="photo.png"/><img src="/etc/passwd"/><b>&amp; & </para>'
CONTROL = "\x00\x07\x1b\x7f\x85"
BIDI = "\u202e\u200f\u200b\u2066"
LONG_WORD = "W" * 100  # wider than any column: ~940 pt at 10 pt


@pytest.fixture
def photo(tmp_path, monkeypatch):
    """A real image another unit could own: markup naming it would embed it."""
    monkeypatch.chdir(tmp_path)
    Image.new("RGB", (8, 8), "red").save(tmp_path / "photo.png")
    return "photo.png"


class Printed(str):
    """A field's value that notes, when a document turns it into text, that it was printed."""

    def __new__(cls, value: str, printed: set[str], tag: str):
        text = super().__new__(cls, value)
        text.printed, text.tag = printed, tag
        return text

    def __str__(self) -> str:
        self.printed.add(self.tag)
        return str.__str__(self)

    def __format__(self, spec: str) -> str:
        self.printed.add(self.tag)
        return str.__format__(self, spec)


class Hostile:
    """Hands out a hostile value per field, each tagged so the test can find it in the PDF:
    markup (``markup``) or a word far wider than any column (``long``)."""

    def __init__(self, kind: str):
        self.kind = kind
        self.count = 0
        self.printed: set[str] = set()

    def __call__(self, field: str) -> Printed:
        tag = f"F{self.count:02d}"
        self.count += 1
        if self.kind == "markup":
            value = f"{tag}{MARKUP}{CONTROL}{BIDI}"
        else:
            value = f"{tag}{CONTROL}{BIDI} {LONG_WORD}"
        return Printed(value, self.printed, tag)


def _user(h):
    return SimpleNamespace(
        get_full_name=lambda: h("officer"), get_username=lambda: "u", username="u"
    )


def _unit(h):
    region = SimpleNamespace(name=h("region"), parent=None)
    return SimpleNamespace(name=h("unit"), parent=region)


def _customer(h):
    return SimpleNamespace(
        customer_id=h("customer_id"),
        name=h("name"),
        address=h("address"),
        tariff=h("tariff"),
        power_va=h("power"),
        substation=h("substation"),
        route=h("route"),
        route_sequence=h("route_sequence"),
        latitude=None,
        longitude=None,
    )


def _meter(h):
    return SimpleNamespace(
        brand=h("brand"),
        model=h("model"),
        meter_number=h("meter_number"),
        serial_number=h("serial_number"),
    )


def _related(items):
    return SimpleNamespace(all=lambda: items)


def replacement_work_orders(h):
    from meterops.documents.work_orders import render_work_orders

    customer = _customer(h)
    customer.power_va = 1300  # a number, printed the Indonesian way
    target = SimpleNamespace(
        customer=customer,
        meter=_meter(h),
        latitude=None,
        longitude=None,
        reference=h("reference"),
        get_source_display=lambda: h("source"),
        damage_type=h("damage_type"),
        reading_at_discovery=Decimal("12.5"),
        notes=h("notes"),
    )
    work_order = SimpleNamespace(
        target=target,
        unit=_unit(h),
        number="PK-0000001",
        printed_at=datetime(2025, 1, 2, 3, 4, tzinfo=UTC),
        print_count=1,
        assigned_to=_user(h),
    )
    return render_work_orders([work_order])


def disconnection_notices(h):
    from meterops.documents.notices import render_disconnection_notices

    customer = _customer(h)
    customer.power_va = 1300  # numbers: printed as "1.300 VA", "3 lembar"
    arrears = SimpleNamespace(
        customer=customer,
        unit=_unit(h),
        unit_id=7,
        bills=3,
        amount=Decimal("150000"),
    )
    return render_disconnection_notices(
        [arrears], signer=h("signer"), signer_title=h("title"), zones={7: "Asia/Jayapura"}
    )


def closed_house_notices(h):
    from meterops.documents.notices import render_closed_house_notices

    reading = SimpleNamespace(
        customer=_customer(h),
        unit=_unit(h),
        read_at=datetime(2025, 1, 2, 3, 4, tzinfo=UTC),
        anomaly_id=1,
        anomaly=h("anomaly"),
        reader=h("reader"),
    )
    return render_closed_house_notices([reading], period=h("period"))


def visit_list(h):
    from meterops.documents.visit_lists import visit_list_pdf

    customer = _customer(h)
    customer.power_va = 1300  # a number: printed as "1.300 VA"
    order = SimpleNamespace(
        customer=customer,
        reference=h("reference"),
        get_kind_display=lambda: h("kind"),
        campaign=SimpleNamespace(name=h("campaign")),
    )
    return visit_list_pdf(
        unit=_unit(h),
        officer_name=h("officer"),
        day=date(2026, 12, 7),
        orders=[order, order],
        zone="Asia/Jakarta",
    )


def _prepaid_request(h):
    token = SimpleNamespace(
        sequence=1,
        get_kind_display=lambda: h("token_kind"),
        display=lambda: h("token"),
        kwh=Decimal("13.5"),
    )
    return SimpleNamespace(
        unit=_unit(h),
        request_number=h("request_number"),
        get_kind_display=lambda: h("kind"),
        get_product_display=lambda: h("product"),
        customer=_customer(h),
        applicant_name=h("applicant_name"),
        address=h("request_address"),
        tariff=h("request_tariff"),
        power_va=2200,  # a number: printed as "2.200 VA"
        ends_on=date(2026, 12, 31),
        connection_fee=Decimal(1),
        connection_fee_tax=Decimal(1),
        deposit=Decimal(1),
        initial_credit_kwh=Decimal(1),
        initial_credit=Decimal(1),
        is_migration=True,
        deposit_compensation=lambda: {"shortfall": Decimal(1)},
        amount_due=Decimal(4),
        bound_meter=_meter(h),
        assigned_to=_user(h),
        tokens=_related([token]),
    )


def payment_slip(h):
    from meterops.documents.prepaid_applications import payment_slip_pdf

    return payment_slip_pdf(_prepaid_request(h))


def prepaid_work_order(h):
    from meterops.documents.prepaid_applications import work_order_pdf

    return work_order_pdf(_prepaid_request(h))


def kct_work_orders(h):
    from meterops.documents.kct_work_orders import kct_work_orders_pdf

    kct = SimpleNamespace(voided_at=None, tokens=["12345678901234567890"] * 2)
    target = SimpleNamespace(
        assigned_to=h("assigned_to"),
        tokens=_related([kct]),
        customer=_customer(h),
        meter=_meter(h),
    )
    return kct_work_orders_pdf(SimpleNamespace(name=h("campaign"), pk=7), [target])


def demo_scan(h):
    from meterops.documents.demo import demo_pdf

    return demo_pdf("ba.pdf", h("title"), [h("line"), h("line")]).read()


BUILDERS = {
    "demo.demo_pdf": demo_scan,
    "work_orders.render_work_orders": replacement_work_orders,
    "notices.render_disconnection_notices": disconnection_notices,
    "notices.render_closed_house_notices": closed_house_notices,
    "prepaid_applications.payment_slip_pdf": payment_slip,
    "prepaid_applications.work_order_pdf": prepaid_work_order,
    "kct_work_orders.kct_work_orders_pdf": kct_work_orders,
    "visit_lists.visit_list_pdf": visit_list,
}


def _document_builders() -> set[str]:
    found = set()
    for module_info in pkgutil.iter_modules(meterops.documents.__path__):
        if module_info.name in HELPER_MODULES:
            continue
        module = importlib.import_module(f"meterops.documents.{module_info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                found.add(f"{module_info.name}.{name}")
    return found


def test_every_document_builder_has_a_hostile_case():
    assert _document_builders() == set(BUILDERS)


def test_only_documents_use_reportlab_and_only_text_builds_paragraphs():
    """A PDF built elsewhere would escape this test; a Paragraph built elsewhere could take
    markup from a value."""
    offenders = []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text())
        relative = path.relative_to(SRC).as_posix()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            names = [alias.name for alias in node.names]
            module = " ".join(names) if isinstance(node, ast.Import) else node.module or ""
            if "reportlab" in module and not relative.startswith("documents/"):
                offenders.append(f"{relative} imports reportlab")
            if "Paragraph" in names and relative != "documents/text.py":
                offenders.append(f"{relative} imports Paragraph")
    assert offenders == []


def _runs(page):
    """Each text run on the page with its font, size and position."""
    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip() and font is not None:
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            base = str(font.get("/BaseFont", "/Helvetica")).lstrip("/")
            runs.append((text.rstrip("\n"), base, size * tm[0] * cm[0] or size, x, y))

    page.extract_text(visitor_text=visit)
    return runs


def _images(reader) -> int:
    count = 0
    for page in reader.pages:
        xobjects = page.get("/Resources", {}).get("/XObject", {}) or {}
        for ref in xobjects.values():
            if ref.get_object().get("/Subtype") == "/Image":
                count += 1
    return count


@pytest.mark.parametrize("builder", BUILDERS)
def test_prints_markup_as_text(builder, photo):
    hostile = Hostile("markup")
    content = BUILDERS[builder](hostile)

    assert content.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert _images(reader) == 0, "a value embedded an image"
    text = "".join(page.extract_text() for page in reader.pages)
    assert hostile.printed, "the document printed none of its fields"
    squeezed = re.sub(r"\s+", "", text)
    for tag in sorted(hostile.printed):
        assert re.sub(r"\s+", "", tag + MARKUP) in squeezed, f"field {tag} not printed literally"
    for char in CONTROL + BIDI + "■":
        assert char not in text, f"{char!r} printed"


@pytest.mark.parametrize("builder", BUILDERS)
def test_long_words_stay_on_the_page(builder, photo):
    hostile = Hostile("long")
    reader = pypdf.PdfReader(io.BytesIO(BUILDERS[builder](hostile)))

    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        for run, font, size, x, y in _runs(page):
            right = x + stringWidth(run, font, size)
            assert x >= 0, f"{run[:30]!r} starts off the page (x={x:.0f})"
            assert right <= width + 0.5, f"{run[:30]!r} runs off the page ({right:.0f})"
            assert 0 <= y <= height, f"{run[:30]!r} is off the page (y={y:.0f})"
