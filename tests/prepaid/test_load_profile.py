import io
import re
from decimal import Decimal

import openpyxl
import pytest

from meterops.core.errors import NotAllowed
from meterops.core.models import ProcessEvent
from meterops.prepaid import services
from meterops.prepaid.cards import card_payload, monthly_consumption, read_card, split_card_text
from meterops.prepaid.errors import LoadProfileRejected
from meterops.prepaid.models import LoadProfileRecord, NfcTransaction
from tests.factories import CustomerFactory, MeterFactory

# Seed 002, Tabel 3-2 "Contoh Data pada Kartu NFC": Blth, Stand, Sisa kWh, Tegangan, Status Tamper.
SAMPLE_TABLE = [
    ("201212", 5700, 6, 220, 8),
    ("201211", 5210, 21, 210, 8),
    ("201210", 4889, 16, 220, 8),
    ("201209", 4765, 9, 210, 8),
    ("201208", 4322, 11, 220, 8),
    ("201207", 4011, 18, 210, 8),
    ("201206", 3765, 34, 220, 8),
    ("201205", 3409, 8, 210, 8),
    ("201204", 2998, 24, 200, 8),
    ("201203", 2553, 17, 190, 8),
    ("201202", 2012, 48, 205, 8),
    ("201201", 1654, 5, 200, 8),
]
# The same card as its fixed-width records (Tabel 3-1: 6 + 6 + 6 + 3 + 2 digits).
SAMPLE_CARD = [f"{p}{s:06d}{c:06d}{v:03d}{t:02d}" for p, s, c, v, t in SAMPLE_TABLE]
# And with arus (current) appended, in tenths of an ampere: 4 digits, 27 in all.
SAMPLE_CURRENTS = [
    "5.2",
    "3.0",
    "12.5",
    "0.4",
    "7.7",
    "9.9",
    "1.0",
    "2.2",
    "3.3",
    "4.4",
    "5.5",
    "60",
]
SAMPLE_CARD_WITH_CURRENT = [
    f"{record}{int(Decimal(amps) * 10):04d}"
    for record, amps in zip(SAMPLE_CARD, SAMPLE_CURRENTS, strict=True)
]


class ReadCardTests:
    def test_the_seeds_sample_card_parses_to_exactly_its_table(self):
        assert SAMPLE_CARD[0] == "20121200570000000622008"
        reading = read_card(SAMPLE_CARD)
        assert reading.errors == []
        assert [
            (r.period, int(r.register_kwh), int(r.credit_kwh), r.voltage, r.tamper_status)
            for r in reading.records
        ] == SAMPLE_TABLE

    @pytest.mark.parametrize(
        ("bad", "reason"),
        [
            ("2012120057000000062200", "panjang 22 karakter"),
            ("20121100521000002121O08", "Tegangan berisi bukan angka pada posisi 21"),
            ("20121300521000002121008", "bulan 13"),
            ("20121100521000002121009", "status tamper 9"),
        ],
    )
    def test_a_bad_record_is_rejected_with_its_reason_and_the_rest_kept(self, bad, reason):
        reading = read_card([*SAMPLE_CARD[:5], bad])
        assert len(reading.records) == 5
        assert reading.errors == [reading.errors[0]] and "Record 6" in reading.errors[0]
        assert reason in reading.errors[0]

    def test_records_with_arus_carry_the_current_and_the_rest_of_tabel_3_1(self):
        assert SAMPLE_CARD_WITH_CURRENT[0] == "201212005700000006220080052"
        reading = read_card(SAMPLE_CARD_WITH_CURRENT)
        assert reading.errors == []
        assert [str(r.current_amp) for r in reading.records][:3] == ["5.2", "3", "12.5"]
        assert [r.position for r in reading.records] == list(range(1, 13))
        assert reading.records[0].voltage == 220 and reading.records[0].tamper_status == 8

    def test_the_seeds_23_digit_records_have_no_current(self):
        assert {r.current_amp for r in read_card(SAMPLE_CARD).records} == {None}

    def test_one_card_may_mix_both_forms(self):
        reading = read_card([SAMPLE_CARD_WITH_CURRENT[0], SAMPLE_CARD[1]])
        assert [r.current_amp for r in reading.records] == [Decimal("5.2"), None]

    @pytest.mark.parametrize(
        ("bad", "reason"),
        [
            (
                "20121200570000000622008005",
                "panjang 26 karakter, seharusnya 23 (Tabel 3-1) atau 27",
            ),
            ("2012120057000000062200800x2", "Arus berisi bukan angka pada posisi 26"),
            ("201212005700000006220080٣52", "Arus berisi bukan angka pada posisi 25"),
        ],
    )
    def test_a_bad_arus_rejects_its_record_naming_the_field(self, bad, reason):
        reading = read_card([SAMPLE_CARD_WITH_CURRENT[1], bad])
        assert len(reading.records) == 1
        assert reading.errors[0].startswith("Record 2: ") and reason in reading.errors[0]

    def test_the_card_text_is_the_meter_number_then_the_records(self):
        text = "\n 32031017679 \n" + "\n".join(SAMPLE_CARD[:2]) + "\n\n"
        assert split_card_text(text) == ("32031017679", SAMPLE_CARD[:2])

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("", "kartu kosong"),
            ("  \n ", "kartu kosong"),
            (SAMPLE_CARD[0], "baris pertama: no meter '20121200570000000622' di kartu harus 11-13"),
            ("3203101767X\n" + SAMPLE_CARD[0], "baris pertama: no meter '3203101767X'"),
        ],
    )
    def test_a_card_text_without_its_meter_number_is_refused(self, text, reason):
        with pytest.raises(ValueError, match=re.escape(reason)):
            split_card_text(text)

    def test_the_payload_written_to_the_card_is_the_meter_number_and_the_token(self):
        assert card_payload("32031017679", "1" * 20) == "32031017679\n" + "1" * 20

    def test_a_month_twice_on_the_card_is_rejected(self):
        reading = read_card([SAMPLE_CARD[0], SAMPLE_CARD[0]])
        assert len(reading.records) == 1
        assert "ganda" in reading.errors[0]

    def test_consumption_is_the_difference_of_stands(self):
        used = dict(monthly_consumption(read_card(SAMPLE_CARD).records))
        assert used["201201"] is None
        assert used["201212"] == Decimal(490)


@pytest.fixture
def nfc_meter(cast):
    customer = CustomerFactory(unit=cast.sp_a, customer_id="510010000777")
    return MeterFactory(customer=customer, meter_number="32031017679")


class RecordNfcTransactionTests:
    def test_stores_the_card_per_meter_and_month(self, nfc_meter):
        tx = services.record_nfc_transaction(
            meter_number="32031017679",
            channel="BSM",
            reference="T1",
            amount=Decimal("50000"),
            card_records=SAMPLE_CARD,
        )
        assert tx.records_kept == 12 and tx.rejections == ""
        assert LoadProfileRecord.objects.filter(meter=nfc_meter).count() == 12
        assert ProcessEvent.objects.filter(verb="prepaid.nfc_transaction").count() == 1

    def test_reading_the_same_card_again_makes_no_duplicates(self, nfc_meter):
        for reference in ("T1", "T2"):
            services.record_nfc_transaction(
                meter_number="32031017679",
                channel="BSM",
                reference=reference,
                amount=Decimal("50000"),
                card_records=SAMPLE_CARD,
            )
        assert LoadProfileRecord.objects.count() == 12
        assert NfcTransaction.objects.count() == 2

    def test_the_same_reference_is_the_same_transaction(self, nfc_meter):
        kwargs = dict(
            meter_number="32031017679",
            channel="BSM",
            reference="T1",
            amount=Decimal("50000"),
            card_records=SAMPLE_CARD,
        )
        assert services.record_nfc_transaction(**kwargs) == services.record_nfc_transaction(
            **kwargs
        )
        assert NfcTransaction.objects.count() == 1

    def test_a_bad_record_is_kept_out_and_explained(self, nfc_meter):
        tx = services.record_nfc_transaction(
            meter_number="32031017679",
            channel="BSM",
            reference="T1",
            amount=Decimal("50000"),
            card_records=[*SAMPLE_CARD[:11], "20120100165400000520"],
        )
        assert tx.records_kept == 11 and "Record 12" in tx.rejections

    def test_an_unknown_meter_is_refused(self, cast):
        with pytest.raises(LoadProfileRejected):
            services.record_nfc_transaction(
                meter_number="99999999999",
                channel="BSM",
                reference="T1",
                amount=Decimal(1),
                card_records=SAMPLE_CARD,
            )


def _csv(rows):
    lines = ["No Meter;Blth;Stand;Sisa kWh;Tegangan;Status Tamper"]
    lines += [";".join(str(v) for v in row) for row in rows]
    return "\n".join(lines).encode()


class ImportLoadProfilesTests:
    def test_imports_a_csv_and_reports_bad_rows_by_row_and_column(self, cast, nfc_meter):
        content = _csv(
            [("32031017679", *row) for row in SAMPLE_TABLE[:3]]
            + [("32031017679", "201213", 1, 1, 220, 0), ("32031017679", "201201", "x", 1, 220, 0)]
            + [("45000000000", "201201", 1, 1, 220, 0)]
        )
        stored, errors = services.import_load_profiles(
            name="lp.csv", content=content, actor=cast.supervisor
        )
        assert stored == 3
        assert errors == [
            "Baris 5: bulan 13 pada BLTH 201213 di luar 01-12.",
            "Baris 6, kolom Stand: harus berisi angka.",
            "Baris 7, kolom No Meter: meter 45000000000 tidak terpasang di unit Anda.",
        ]

    def test_imports_an_xlsx_and_updates_months_already_stored(self, cast, nfc_meter):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["No Meter", "Blth", "Stand", "Sisa kWh", "Tegangan", "Status Tamper"])
        for row in SAMPLE_TABLE:
            sheet.append(["32031017679", *row])
        buffer = io.BytesIO()
        book.save(buffer)
        for _ in range(2):
            stored, errors = services.import_load_profiles(
                name="lp.xlsx", content=buffer.getvalue(), actor=cast.supervisor
            )
        assert (stored, errors) == (12, [])
        assert LoadProfileRecord.objects.count() == 12

    def test_a_missing_column_is_named(self, cast):
        _stored, errors = services.import_load_profiles(
            name="lp.csv", content=b"No Meter;Blth\n1;2\n", actor=cast.supervisor
        )
        assert errors == ["Kolom tidak ditemukan: Stand, Sisa Kwh, Tegangan, Status Tamper."]

    def test_another_units_meter_is_rejected(self, cast, nfc_meter):
        content = _csv([("32031017679", *SAMPLE_TABLE[0])])
        stored, errors = services.import_load_profiles(
            name="lp.csv", content=content, actor=cast.outsider
        )
        assert stored == 0 and "tidak terpasang di unit Anda" in errors[0]

    def test_a_field_officer_may_not_import(self, cast):
        with pytest.raises(NotAllowed):
            services.import_load_profiles(name="lp.csv", content=b"", actor=cast.officer)


class UnitVoltageBandTests:
    """The voltage band and the jam nyala minimum are the unit's settings (issue 8)."""

    def _record(self, meter, period, voltage):
        from django.utils import timezone

        return LoadProfileRecord.objects.create(
            meter=meter,
            period=period,
            register_kwh=Decimal(1000),
            credit_kwh=Decimal(10),
            voltage=voltage,
            tamper_status=0,
            received_at=timezone.now(),
        )

    def test_meter_page_uses_the_customer_units_band(self, cast, nfc_meter):
        from meterops.core.models import UnitSettings
        from meterops.prepaid.queries import load_profile_of

        self._record(nfc_meter, "202601", 235)
        assert load_profile_of(nfc_meter)["voltage_out"]
        UnitSettings.objects.create(unit=cast.sp_a, voltage_low=190, voltage_high=240)
        assert not load_profile_of(nfc_meter)["voltage_out"]

    def test_flagged_list_follows_the_viewers_band(self, cast, nfc_meter):
        from meterops.core.models import UnitSettings
        from meterops.prepaid.queries import flagged_meters_for
        from tests.factories import UserFactory

        self._record(nfc_meter, "202601", 235)
        helpdesk = UserFactory(unit=cast.sp_a, roles=["helpdesk"])
        assert list(flagged_meters_for(helpdesk)) == [nfc_meter]
        UnitSettings.objects.create(unit=cast.area_a, voltage_low=190, voltage_high=240)
        helpdesk = type(helpdesk).objects.get(pk=helpdesk.pk)
        assert list(flagged_meters_for(helpdesk)) == []


class FlaggedLowConsumptionTests:
    """The flagged-meter list uses the meter page's rule (services.consumption_flags)."""

    @staticmethod
    def _months(meter, stands):
        from django.utils import timezone

        from meterops.prepaid.models import LoadProfileRecord

        LoadProfileRecord.objects.bulk_create(
            [
                LoadProfileRecord(
                    meter=meter,
                    period=f"2025{month:02d}",
                    register_kwh=stand,
                    credit_kwh=50,
                    voltage=220,
                    tamper_status=0,
                    received_at=timezone.now(),
                )
                for month, stand in enumerate(stands, start=1)
            ]
        )

    def test_a_month_far_below_the_history_flags_the_meter(self, cast, nfc_meter):
        from meterops.prepaid.queries import flagged_meters_for

        # 300 kWh a month, then 100: under half the average (250) -> flagged
        self._months(nfc_meter, [1000, 1300, 1600, 1900, 2000])
        (flagged,) = flagged_meters_for(cast.supervisor)
        assert flagged == nfc_meter
        assert (flagged.low_use, flagged.tampered, flagged.voltage_out) == (1, 0, 0)

    def test_a_steady_meter_is_not_flagged(self, cast, nfc_meter):
        from meterops.prepaid.queries import flagged_meters_for

        self._months(nfc_meter, [1000, 1300, 1600, 1900, 2200])
        assert flagged_meters_for(cast.supervisor) == []

    def test_just_at_half_the_average_is_not_low(self):
        from decimal import Decimal
        from types import SimpleNamespace

        from meterops.prepaid.services import consumption_flags

        months = [
            SimpleNamespace(period=p, register_kwh=Decimal(k))
            for p, k in (("202501", 0), ("202502", 300), ("202503", 600), ("202504", 800))
        ]
        # used 300, 300, 200: average 266.67, half 133.3 -> 200 is not low; 199 would be
        flags = consumption_flags(months, power_va=1300, hours_on=40)
        assert [m["low_use"] for m in flags["months"].values()] == [False, False, False, False]
        months[-1].register_kwh = Decimal(650)  # used 50 < half of 216.67
        flags = consumption_flags(months, power_va=1300, hours_on=40)
        assert flags["months"]["202504"]["low_use"] is True
        assert flags["months"]["202504"]["below_norm"] is True  # 50 < 40 h x 1.3 kVA = 52

    def test_another_units_user_sees_none(self, cast, nfc_meter):
        from meterops.prepaid.queries import flagged_meters_for

        self._months(nfc_meter, [1000, 1300, 1600, 1900, 2000])
        assert flagged_meters_for(cast.outsider) == []
