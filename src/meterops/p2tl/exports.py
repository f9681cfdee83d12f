"""The P2TL suspicion list in Excel, the same scoped rows the page shows (issue #23)."""

from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext as _

from meterops.core.excel import xlsx_response

HEADERS = ["IDPEL", "Nama", "ULP", "Tarif/Daya", "Skor", "Sinyal", "Pemeriksaan P2TL"]


def _inspection(row) -> str:
    if row.violation:
        return _("Pelanggaran ditemukan (%(ref)s)") % {"ref": row.violation.reference}
    if row.open_order:
        return _("Order %(ref)s masih terbuka") % {"ref": row.open_order.reference}
    return ""


def suspect_table(rows):
    for row in rows:
        c = row.customer
        yield [
            c.customer_id,
            c.name,
            c.unit.name,
            f"{c.tariff}/{c.power_va}",
            Decimal(row.score),
            "; ".join(row.reasons),
            _inspection(row),
        ]


def suspects_xlsx(rows, unit) -> HttpResponse:
    return xlsx_response(
        f"suspect-p2tl-{unit.code}.xlsx", _("Suspect P2TL"), HEADERS, suspect_table(rows)
    )
