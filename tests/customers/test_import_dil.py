import csv
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from meterops.customers.dil import COLUMNS
from meterops.customers.models import Customer, Meter, Route, Substation

ROW = {
    "IDPEL": "510010000001",
    "NAMA": "ASEP SUNANDAR",
    "ALAMAT": "JL. LASWI NO. 5",
    "TARIF": "R1",
    "DAYA": "1300",
    "JENIS": "PRABAYAR",
    "KODE_GARDU": "BL0001",
    "KODE_RBM": "BLD0001",
    "URUTAN_BACA": "3",
    "KOORDINAT_X": "107.627001",
    "KOORDINAT_Y": "-7.000601",
    "MERK_METER": "hexing",
    "TYPE_METER": "HXE110",
    "NO_METER": "45012345678",
    "NO_PABRIK": "HX2100001",
    "TAHUN_METER": "2021",
    "FASA": "1",
    "TGL_PASANG": "2021-03-04",
    "SGC": "600551",
    "TI": "07",
    "VKRN": "41",
    "KRN": "1",
    "KT": "2",
    "FKM": "",
}

HEADERS = tuple(column.header for column in COLUMNS)


def _csv(tmp_path, rows, name="dil.csv"):
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADERS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _row(**changes):
    return {**ROW, **changes}


class ImportDilTests:
    def test_loads_customers_meters_gardu_and_rbm(self, cast, tmp_path):
        rows = [_row(), _row(IDPEL="510010000002", NO_METER="45012345679", KODE_RBM="BLD0002")]
        call_command("import_dil", _csv(tmp_path, rows))
        customer = Customer.objects.get(customer_id="510010000001")
        assert customer.unit == cast.sp_a
        assert customer.latitude == Decimal("-7.000601")
        assert customer.route.code == "BLD0001" and customer.substation.code == "BL0001"
        meter = customer.current_meter
        assert (meter.brand, meter.key_revision, meter.installed_at) == (
            "HEXING",
            1,
            date(2021, 3, 4),
        )
        assert Route.objects.filter(unit=cast.sp_a).count() == 2
        assert Substation.objects.filter(unit=cast.sp_a).count() == 1

    def test_reads_xlsx(self, cast, tmp_path):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(list(HEADERS))
        sheet.append([_row()[h] for h in HEADERS])
        sheet["E2"] = 1300  # a number cell, as Excel stores it
        path = tmp_path / "dil.xlsx"
        workbook.save(path)
        call_command("import_dil", path)
        assert Customer.objects.get(customer_id="510010000001").power_va == 1300

    def test_any_bad_row_writes_nothing_and_names_row_and_column(self, cast, tmp_path, capsys):
        rows = [_row(), _row(IDPEL="51001000000X"), _row(IDPEL="510010000003", DAYA="banyak")]
        with pytest.raises(CommandError, match="tidak ada data yang disimpan"):
            call_command("import_dil", _csv(tmp_path, rows))
        errors = capsys.readouterr().err
        assert "Baris 3, kolom IDPEL: harus 12 digit angka" in errors
        assert "Baris 4, kolom DAYA: harus bilangan bulat" in errors
        assert not Customer.objects.exists()

    def test_duplicate_idpel_in_file_is_an_error(self, cast, tmp_path, capsys):
        with pytest.raises(CommandError):
            call_command("import_dil", _csv(tmp_path, [_row(), _row()]))
        assert "sudah ada di baris 2" in capsys.readouterr().err

    def test_unknown_unit_code_is_an_error(self, cast, tmp_path, capsys):
        with pytest.raises(CommandError):
            call_command("import_dil", _csv(tmp_path, [_row(IDPEL="999990000001")]))
        assert "kode unit 99999" in capsys.readouterr().err

    def test_prepaid_meter_needs_key_data(self, cast, tmp_path, capsys):
        with pytest.raises(CommandError):
            call_command("import_dil", _csv(tmp_path, [_row(SGC="", KRN="", VKRN="")]))
        errors = capsys.readouterr().err
        assert "kolom SGC: wajib diisi untuk meter prabayar" in errors
        assert "kolom VKRN: wajib diisi untuk meter prabayar" in errors

    @pytest.mark.parametrize(
        ("vkrn", "krn", "stored"),
        [("41", "", (41, 1)), ("42", "2", (42, 2)), ("43", "", (43, 2)), ("", "1", (41, 1))],
    )
    def test_the_meter_keeps_its_vkrn(self, cast, tmp_path, vkrn, krn, stored):
        """Seed 003: VKRN 41 = KRN 1, VKRN 42 and 43 = KRN 2; the VKRN names the key."""
        call_command("import_dil", _csv(tmp_path, [_row(VKRN=vkrn, KRN=krn)]))
        meter = Customer.objects.get(customer_id="510010000001").current_meter
        assert (meter.vkrn, meter.key_revision) == stored

    @pytest.mark.parametrize(
        ("vkrn", "krn", "message"),
        [
            ("", "2", "kolom VKRN: wajib diisi: KRN 2 bisa VKRN 42 atau 43"),
            ("43", "1", "kolom KRN: VKRN 43 memakai KRN 2, bukan 1"),
            ("44", "", "kolom VKRN: harus 41, 42 atau 43, bukan 44"),
        ],
    )
    def test_a_vkrn_that_does_not_fit_is_refused(self, cast, tmp_path, capsys, vkrn, krn, message):
        with pytest.raises(CommandError):
            call_command("import_dil", _csv(tmp_path, [_row(VKRN=vkrn, KRN=krn)]))
        assert message in capsys.readouterr().err
        assert not Customer.objects.exists()

    @pytest.mark.parametrize(("fkm", "stored"), [("40", Decimal(40)), ("", Decimal(1))])
    def test_the_meter_keeps_its_fkm(self, cast, tmp_path, fkm, stored):
        """Issue #23: a meter read through CTs multiplies its register by its FKM."""
        call_command("import_dil", _csv(tmp_path, [_row(FKM=fkm)]))
        meter = Customer.objects.get(customer_id="510010000001").current_meter
        assert meter.multiplier == stored

    @pytest.mark.parametrize(("fkm", "message"), [("0", "antara 0.01"), ("x", "angka desimal")])
    def test_a_bad_fkm_is_refused_by_row_and_column(self, cast, tmp_path, capsys, fkm, message):
        with pytest.raises(CommandError):
            call_command("import_dil", _csv(tmp_path, [_row(FKM=fkm)]))
        errors = capsys.readouterr().err
        assert "baris 2" in errors.lower() and f"kolom FKM: harus {message}" in errors
        assert not Customer.objects.exists()

    def test_missing_required_column_is_refused(self, cast, tmp_path):
        path = tmp_path / "bad.csv"
        path.write_text("IDPEL,NAMA\n510010000001,X\n")
        with pytest.raises(CommandError, match=r"Kolom wajib tidak ada.*TARIF"):
            call_command("import_dil", path)

    def test_unsupported_file_type_is_refused(self, cast, tmp_path):
        path = tmp_path / "dil.txt"
        path.write_text("x")
        with pytest.raises(CommandError, match="tidak didukung"):
            call_command("import_dil", path)

    def test_reimport_updates_and_replaces_meter_with_history(self, cast, tmp_path):
        call_command("import_dil", _csv(tmp_path, [_row()]))
        call_command(
            "import_dil",
            _csv(
                tmp_path,
                [_row(NAMA="ASEP S.", NO_METER="56000000001", TGL_PASANG="2026-01-02")],
                "2.csv",
            ),
        )
        customer = Customer.objects.get(customer_id="510010000001")
        assert customer.name == "ASEP S."
        assert customer.history.count() == 2
        old, new = Meter.objects.filter(customer=customer).order_by("pk")
        assert old.removed_at == date(2026, 1, 2) and new.removed_at is None
        assert customer.current_meter == new

    def test_as_user_refuses_rows_outside_that_user_units(self, cast, tmp_path, capsys):
        rows = [_row(), _row(IDPEL="520010000001", NO_METER="1")]
        with pytest.raises(CommandError):
            call_command("import_dil", _csv(tmp_path, rows), "--as", "pengawas.a")
        assert "Baris 3, kolom IDPEL" in capsys.readouterr().err
        assert not Customer.objects.exists()

    def test_history_is_attributed_to_the_importing_user(self, cast, tmp_path):
        call_command("import_dil", _csv(tmp_path, [_row()]), "--as", "admin")
        customer = Customer.objects.get()
        assert customer.history.first().history_user == cast.admin
