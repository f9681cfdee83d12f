"""The Excel downloads of prepaid service (seed 002): the list of applications."""

from django.http import HttpResponse

from meterops.core.excel import Rupiah, xlsx_response

EXPORT_HEADERS = [
    "No agenda",
    "IDPEL",
    "Nama",
    "Alamat",
    "Jenis",
    "Produk",
    "Tarif",
    "Daya (VA)",
    "Berakhir (PS)",
    "Total (Rp)",
    "Status",
    "No meter",
    "Tanggal permohonan",
    "Tanggal lunas",
    "Tanggal aktivasi",
    "Tanggal pasang",
    "Tanggal PDL",
    "ULP",
]


def requests_xlsx(requests) -> HttpResponse:
    """The filtered applications, for monitoring outside meterops."""
    rows = (
        (
            r.request_number,
            r.customer.customer_id,
            r.applicant_name,
            r.address,
            r.get_kind_display(),
            r.get_product_display(),
            r.tariff,
            r.power_va,
            r.ends_on,
            Rupiah(r.amount_due),
            r.get_state_display(),
            r.bound_meter.meter_number if r.bound_meter else "",
            r.created_at,
            r.paid_at,
            r.activated_at,
            r.installed_on,
            r.completed_at,
            r.unit.name,
        )
        for r in requests.iterator(2000)
    )
    return xlsx_response("permohonan-prabayar.xlsx", "Permohonan", EXPORT_HEADERS, rows)
