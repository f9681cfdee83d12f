"""The Excel downloads of HOME (seed 000): Data APP Rusak and Monitoring Cetak PK."""

from django.http import HttpResponse

from meterops.core.excel import xlsx_response

from .choices import WorkOrderStatus

EXPORT_LIMIT = 200_000


def targets_xlsx(targets) -> HttpResponse:
    """Data APP Rusak: the filtered targets, at most ``EXPORT_LIMIT`` rows."""
    headers = [
        "No TO",
        "IDPEL",
        "Nama",
        "Alamat",
        "ULP",
        "Sumber",
        "Program",
        "Jenis kerusakan",
        "Stan saat ditemukan",
        "Status",
        "Tanggal lapor",
        "Keterangan",
    ]
    rows = (
        (
            t.reference,
            t.customer.customer_id,
            t.customer.name,
            t.customer.address,
            t.unit.name,
            t.get_source_display(),
            t.programme_name,
            t.damage_type.name,
            t.reading_at_discovery,
            t.get_state_display(),
            t.reported_at,
            t.notes,
        )
        for t in targets[:EXPORT_LIMIT].iterator(chunk_size=2000)
    )
    return xlsx_response("data-app-rusak.xlsx", "Data APP Rusak", headers, rows)


def work_orders_xlsx(work_orders) -> HttpResponse:
    """Monitoring Cetak PK: the work orders (annotated ``with_status``) with today's status."""
    labels = dict(WorkOrderStatus.choices)
    headers = [
        "No PK",
        "Tanggal cetak",
        "Cetakan ke",
        "IDPEL",
        "Nama",
        "ULP",
        "No TO",
        "Jenis kerusakan",
        "Petugas",
        "Status",
    ]
    rows = (
        (
            w.number,
            w.printed_at,
            w.print_count,
            w.target.customer.customer_id,
            w.target.customer.name,
            w.unit.name,
            w.target.reference,
            w.target.damage_type.name,
            w.assigned_to.username if w.assigned_to else "",
            labels[w.current_status],
        )
        for w in work_orders.order_by("-printed_at").iterator(chunk_size=2000)
    )
    return xlsx_response("monitoring-cetak-pk.xlsx", "Monitoring Cetak PK", headers, rows)
