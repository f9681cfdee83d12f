"""Rupiah and numbers read the Indonesian way on pages, PDFs and Excel."""

from decimal import Decimal

from django.template import Context, Template

from meterops.core.formats import number, rupiah, xlsx_number_format


class RupiahTests:
    def test_dots_between_thousands_and_no_decimals(self):
        assert rupiah(Decimal("600000.00")) == "Rp 600.000"
        assert rupiah(1650000) == "Rp 1.650.000"
        assert rupiah("20000") == "Rp 20.000"

    def test_nothing_reads_as_a_dash(self):
        assert rupiah(None) == "-" and rupiah("") == "-"


class NumberTests:
    def test_comma_before_the_decimals(self):
        assert number(Decimal("4101.50")) == "4.101,50"
        assert number(Decimal("4101.5"), 2) == "4.101,50"
        assert number(2200) == "2.200"
        assert number(Decimal("-1234567.891")) == "-1.234.567,891"

    def test_nothing_reads_as_a_dash(self):
        assert number(None) == "-"


class FilterTests:
    def test_template_filters_use_the_same_functions(self):
        html = Template("{% load formats %}{{ a|rupiah }} {{ k|number }} {{ k|number:1 }}").render(
            Context({"a": Decimal("600000.00"), "k": Decimal("4101.50")})
        )
        assert html == "Rp 600.000 4.101,50 4.101,5"


class XlsxFormatTests:
    def test_the_sheet_shows_the_values_own_decimals(self):
        assert xlsx_number_format(Decimal("600000.00")) == "#,##0.00"
        assert xlsx_number_format(Decimal("5")) == "#,##0"
