"""The customer master (DIL) through the Upload menu: same checks as the command."""

from meterops.customers.dil import COLUMNS
from meterops.customers.models import Customer
from meterops.imports.models import UploadRow
from tests.customers.helpers import DAMAGED_METER, meter_removed_as_damaged

from .conftest import applied, xlsx

ROW = {
    "IDPEL": "510010000001",
    "NAMA": "ASEP SUNANDAR",
    "TARIF": "R1",
    "DAYA": 1300,
    "JENIS": "PASCABAYAR",
    "MERK_METER": "hexing",
    "NO_METER": "45012345678",
}

HEADERS = tuple(column.header for column in COLUMNS)


def _line(**changes):
    row = {**ROW, **changes}
    return [row.get(h, "") for h in HEADERS]


class DilUploadTests:
    def test_unit_admin_loads_its_units_and_not_others(self, cast):
        rows = [_line(), _line(IDPEL="520010000001", NO_METER="45012345679")]
        upload = applied(cast.unit_admin, "dil", xlsx(rows, headers=HEADERS, name="dil.xlsx"))
        assert (upload.new_rows, upload.rejected_rows) == (1, 1)
        customer = Customer.objects.get()
        assert customer.customer_id == "510010000001" and customer.unit == cast.sp_a
        assert customer.current_meter.brand == "HEXING"
        assert customer.history.first().history_user == cast.unit_admin
        row = UploadRow.objects.get(upload=upload, status="rejected")
        assert row.row_number == 3 and "kode unit 52001" in row.reason
        linked = UploadRow.objects.get(upload=upload, status="new").record_id
        assert linked == customer.pk

    def test_reupload_with_changes_counts_changed_and_unchanged(self, cast):
        applied(
            cast.unit_admin,
            "dil",
            xlsx([_line(), _line(IDPEL="510010000002", NO_METER="1")], headers=HEADERS),
        )
        again = applied(
            cast.unit_admin,
            "dil",
            xlsx(
                [_line(NAMA="ASEP S."), _line(IDPEL="510010000002", NO_METER="1")],
                headers=HEADERS,
                name="2.xlsx",
            ),
        )
        assert (again.changed_rows, again.unchanged_rows) == (1, 1)
        assert Customer.objects.get(customer_id="510010000001").name == "ASEP S."

    def test_prepaid_row_without_key_data_names_both_columns(self, cast):
        upload = applied(cast.unit_admin, "dil", xlsx([_line(JENIS="PRABAYAR")], headers=HEADERS))
        row = UploadRow.objects.get(upload=upload)
        assert row.error_column == "SGC" and "kolom VKRN: wajib diisi" in row.reason
        assert not Customer.objects.exists()

    def test_a_meter_removed_as_damaged_is_rejected(self, cast):
        """Bug #16: a meter taken out of customer A as damaged went in as B's new meter."""
        meter_removed_as_damaged(cast)
        upload = applied(
            cast.unit_admin,
            "dil",
            xlsx([_line(IDPEL="510010009999", NO_METER=DAMAGED_METER)], headers=HEADERS),
        )
        row = UploadRow.objects.get(upload=upload)
        assert row.error_column == "NO_METER" and "dibongkar karena rusak" in row.reason
        assert not Customer.objects.filter(customer_id="510010009999").exists()


class MenuTests:
    def test_upload_section_lists_the_templates_a_role_may_use(self, cast, client_for):
        page = client_for(cast.unit_admin).get("/imports/").content.decode()
        for title in (
            "TO Ganti Meter Ex DG",
            "TO Ganti Meter Non Ex DG",
            "Peremajaan Kumulatif",
            "Data Induk Pelanggan (DIL)",
        ):
            assert title in page
        officer = client_for(cast.officer).get("/imports/").content.decode()
        assert "TO Ganti Meter Ex DG" not in officer
