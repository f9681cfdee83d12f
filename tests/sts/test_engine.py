"""Known-answer tests from published STS compliance vectors, plus engine behaviour.

Sources (expected tokens copied from them, never produced by this code):

* ``CTSA`` vectors of the STS Association's compliance test suite STS 531-1-0-02
  (DKGA02/DKGA04 with STA) and STS 531-1-0-04 (DKGA04 with MISTY1), as published
  in NectarAPI/tokens-service, ``src/test/java/ke/co/nectar/token/domain/token/
  STSComplianceTests_STS_531_1_0_0{2,4}_CTSA*.java`` (each test names its file).
  The Dart port KellyKinyama/nectar_sts_dart (``test/sts_compliance*_test.dart``)
  repeats the same values.
* Common setup of those files: vending key ``abababababababab`` (DKGA02) or
  ``abababababababab949494949494949401234567`` (DKGA04), SGC 123456 (DKGA02) or
  123457 (DKGA04), TI 01, KT 2, KRN 1, base date 1993, RND 5, KEN 255.

No published token vector uses DEA (EA09); it is covered by round trips here and
in test_properties.py.
"""

from datetime import datetime
from decimal import Decimal

import pytest

from meterops.sts.ciphers import EncryptionAlgorithm
from meterops.sts.classes import (
    ClearCredit,
    ClearTamperCondition,
    CreditType,
    DecoderKeySection1,
    SetMaximumPhasePowerUnbalanceLimit,
    SetMaximumPowerLimit,
    TokenClass,
)
from meterops.sts.engine import (
    DecoderKeyCache,
    KeyChange,
    TokenCodec,
    credit_token,
    key_change_tokens,
    meter_test_token,
    needs_rollover,
)
from meterops.sts.errors import (
    CrcMismatch,
    InvalidKey,
    InvalidParameter,
    TokenFormatError,
    UnknownTokenClass,
)
from meterops.sts.keys import (
    BaseDate,
    KeyGenerationAlgorithm,
    MeterKeyData,
    Pan,
    derive_decoder_key,
)

STA, DEA, MISTY1 = EncryptionAlgorithm.STA, EncryptionAlgorithm.DEA, EncryptionAlgorithm.MISTY1
VK02 = bytes.fromhex("abababababababab")
VK04 = bytes.fromhex("abababababababab949494949494949401234567")
PAN_A, PAN_B = "600727000000000009", "000001000000000082"
ELEC, WATER, GAS = CreditType.ELECTRICITY, CreditType.WATER, CreditType.GAS


def codec_02(pan=PAN_A, ti="01", krn=1):
    meter = MeterKeyData(Pan.from_string(pan), "123456", ti, 2, krn)
    key = derive_decoder_key(vending_key=VK02, algorithm=KeyGenerationAlgorithm.DKGA02, meter=meter)
    return TokenCodec(key, STA, BaseDate.Y1993)


def key_04(encryption, pan=PAN_A, ti="01", krn=1, base_date=BaseDate.Y1993):
    meter = MeterKeyData(Pan.from_string(pan), "123457", ti, 2, krn, base_date)
    return derive_decoder_key(
        vending_key=VK04,
        algorithm=KeyGenerationAlgorithm.DKGA04,
        meter=meter,
        encryption=encryption,
    )


def codec_04(encryption, pan=PAN_A, ti="01", krn=1, base_date=BaseDate.Y1993):
    return TokenCodec(key_04(encryption, pan, ti, krn, base_date), encryption, base_date)


def at(*parts):
    return datetime(*parts)


# --- class 0 credit ------------------------------------------------------------
# Columns: vector, key setup (DKGA-EA), PAN (A = 600727000000000009,
# B = 000001000000000082), KRN, base date, credit type, quantity, issue time, token.
CREDIT_TABLE = """
# STSComplianceTests_STS_531_1_0_02_CTSA01.java steps 1-6 (DKGA02, STA)
CTSA01-1     02-STA    A 1 1993 electricity 0.1       2004-03-01T13:55 23716100501183194197
CTSA01-2     02-STA    B 1 1993 electricity 0.1       2004-03-01T14:00 67206107716095682372
CTSA01-3     02-STA    A 1 1993 water       0.1       2004-03-01T14:05 42502136492215507402
CTSA01-4     02-STA    B 1 1993 water       0.1       2004-03-01T14:10 09109691696351271646
CTSA01-5     02-STA    A 1 1993 gas         0.1       2004-03-01T14:15 67586531586639825066
CTSA01-6     02-STA    B 1 1993 gas         0.1       2004-03-01T14:20 35758660990071466853
# STSComplianceTests_STS_531_1_0_02_CTSA10.java (amount boundaries, DKGA02, STA)
CTSA10-1     02-STA    A 1 1993 electricity 25.6      2004-04-01T00:30 26456622012185850752
CTSA10-2     02-STA    A 1 1993 electricity 1638.3    2004-04-01T00:35 02194538019157867319
CTSA10-3     02-STA    A 1 1993 electricity 1638.4    2004-04-01T00:40 49848950875249585071
CTSA10-4     02-STA    A 1 1993 electricity 2000.0    2004-04-01T00:45 71997443697501228179
CTSA10-5     02-STA    A 1 1993 electricity 18022.3   2004-04-01T00:50 58589277912776864555
CTSA10-6     02-STA    A 1 1993 electricity 18022.4   2004-04-01T00:55 16328229234437142451
CTSA10-7     02-STA    A 1 1993 electricity 181862.3  2004-04-01T01:44 45001756646344378677
CTSA10-8     02-STA    A 1 1993 electricity 181862.4  2004-04-01T01:49 15810488151857362998
CTSA10-9     02-STA    A 1 1993 electricity 1820162.4 2004-04-01T01:54 42222423067848970276
CTSA10-10    02-STA    A 1 1993 water       25.6      2004-04-01T00:30 44275716003808438853
CTSA10-11    02-STA    A 1 1993 water       1638.3    2004-04-01T00:35 18252763951429538816
CTSA10-12    02-STA    A 1 1993 water       1638.4    2004-04-01T00:40 27315011099256270180
CTSA10-13    02-STA    A 1 1993 water       2000.0    2004-04-01T00:45 63822263014624002901
CTSA10-14    02-STA    A 1 1993 water       18022.3   2004-04-01T00:50 09641054211308025667
CTSA10-15    02-STA    A 1 1993 water       18022.4   2004-04-01T00:55 44446096428101342168
CTSA10-16    02-STA    A 1 1993 water       181862.3  2004-04-01T01:44 28708466031297612806
CTSA10-17    02-STA    A 1 1993 water       181862.4  2004-04-01T01:49 10341114843091227763
CTSA10-18    02-STA    A 1 1993 water       1820162.4 2004-04-01T01:54 05942777944950076038
CTSA10-19    02-STA    A 1 1993 gas         25.6      2004-04-01T00:30 55421978213496083894
CTSA10-20    02-STA    A 1 1993 gas         1638.3    2004-04-01T00:35 19542256788533803049
CTSA10-21    02-STA    A 1 1993 gas         1638.4    2004-04-01T00:40 00240351248989131846
# STSComplianceTests_STS_531_1_0_02_CTSA25.java (DKGA04 + STA, three base dates)
CTSA25-1     04-STA    A 1 1993 electricity 0.1       2009-01-01T08:00 15697331168573253829
CTSA25-2     04-STA    A 1 1993 water       0.1       2009-01-01T08:05 56727749990719585416
CTSA25-3     04-STA    A 1 1993 gas         0.1       2009-01-01T08:10 25938479605175185937
CTSA25-5     04-STA    A 4 2014 electricity 0.1       2014-01-01T08:00 20324881626382980759
CTSA25-6     04-STA    A 4 2014 water       0.1       2014-01-01T08:05 09907513011694393160
CTSA25-7     04-STA    A 4 2014 gas         0.1       2014-01-01T08:10 50054427724775110925
CTSA25-9     04-STA    A 5 2035 electricity 0.1       2035-01-01T08:00 09239624803025986815
# STSComplianceTests_STS_531_1_0_04_CTSA01.java (DKGA04 + MISTY1)
04-CTSA01-1  04-MISTY1 A 1 1993 electricity 0.1       2004-03-01T13:00 59386323472137426967
04-CTSA01-2  04-MISTY1 A 1 1993 water       0.1       2004-03-01T13:05 47186281207955155808
04-CTSA01-3  04-MISTY1 A 1 1993 gas         0.1       2004-03-01T13:10 52059556253782091701
04-CTSA01-5  04-MISTY1 B 1 1993 electricity 0.1       2004-03-01T13:20 25453597494250138964
04-CTSA01-6  04-MISTY1 B 1 1993 water       0.1       2004-03-01T13:25 41136669315054818626
04-CTSA01-7  04-MISTY1 B 1 1993 gas         0.1       2004-03-01T13:30 22735221987748758248
04-CTSA01-9  04-MISTY1 A 4 2014 electricity 0.1       2014-01-01T08:00 13444522537517076834
04-CTSA01-10 04-MISTY1 A 4 2014 water       0.1       2014-01-01T08:05 03477912490596695895
04-CTSA01-11 04-MISTY1 A 4 2014 gas         0.1       2014-01-01T08:10 06094571069413075467
04-CTSA01-13 04-MISTY1 A 5 2035 electricity 0.1       2035-01-01T08:00 11907826947753213480
04-CTSA01-14 04-MISTY1 A 5 2035 water       0.1       2035-01-01T08:05 19640099949346431996
04-CTSA01-15 04-MISTY1 A 5 2035 gas         0.1       2035-01-01T08:10 11741155092330337876
"""


def table_rows(table: str) -> list[list[str]]:
    """The rows of a whitespace-separated vector table, comments left out."""
    lines = (line.split() for line in table.strip().splitlines())
    return [cells for cells in lines if cells and not cells[0].startswith("#")]


def codec_for(setup: str, pan: str, krn: str, base_date: str) -> TokenCodec:
    pan = {"A": PAN_A, "B": PAN_B}[pan]
    if setup == "02-STA":
        return codec_02(pan, krn=int(krn))
    encryption = EncryptionAlgorithm[setup.removeprefix("04-")]
    return codec_04(encryption, pan, krn=int(krn), base_date=BaseDate(int(base_date)))


@pytest.mark.parametrize("row", table_rows(CREDIT_TABLE), ids=lambda row: row[0])
def test_credit_token_matches_compliance_vector(row):
    _, setup, pan, krn, base_date, kind, quantity, issued, expected = row
    codec = codec_for(setup, pan, krn, base_date)
    credit_type, issued = CreditType[kind.upper()], datetime.fromisoformat(issued)
    token = credit_token(codec, quantity=quantity, issued=issued, credit_type=credit_type, rnd=5)
    assert token == expected
    decoded = codec.decode(expected)
    assert decoded.fields.credit_type == credit_type
    assert decoded.issued == issued
    assert decoded.fields.quantity >= Decimal(quantity)


def test_decoder_key_given_directly():
    # NectarAPI/tokens-service .../tokensgenerator/nativetoken/class0/
    # TransferElectricityCreditTokenGeneratorTest.java: 25.6 kWh, 25/03/1996 13:55:22,
    # RND 0xB.  That file prints the key as "8967 45f3 de12 bc0a", the byte-reversed
    # form of the IEC 62055-41 example key 0ABC12DEF3456789 used here.
    codec = TokenCodec(bytes.fromhex("0abc12def3456789"), STA, BaseDate.Y1993)
    token = credit_token(codec, quantity="25.6", issued=at(1996, 3, 25, 13, 55, 22), rnd=0xB)
    assert token == "29054347139309851356"


def test_vendor_vector_rounds_fractional_tenths_differently():
    # NectarAPI/tokens-service STSComplianceTests_Nectar_1.java step11B: 1.82 kWh on
    # 22/04/2005 20:10 gives 55160880109952893498, which carries 1.8 kWh.  We round up
    # to 1.9 kWh in the customer's favour instead; the token itself decodes as published.
    codec = codec_02()
    assert codec.decode("55160880109952893498").fields.quantity == Decimal("1.8")
    ours = credit_token(codec, quantity="1.82", issued=at(2005, 4, 22, 20, 10), rnd=5)
    assert codec.decode(ours).fields.quantity == Decimal("1.9")


# --- class 2 management ----------------------------------------------------------
# Columns: vector, PAN, token type, value, issue time, token (DKGA02, STA, KRN 1, 1993).
# CTSA12/13: 20000 W and 180223 W are not representable and are carried rounded up.
MANAGEMENT_TABLE = """
# STSComplianceTests_STS_531_1_0_02_CTSA03_CTSA04.java
CTSA03-1  A max-power       1000     2004-03-28T09:01 50901894209860263092
CTSA04-1  A clear-credit    65535    2004-03-28T09:15 29511990995826640868
CTSA04-2  B clear-credit    65535    2004-03-28T09:20 69986678528351463847
# STSComplianceTests_STS_531_1_0_02_CTSA06.java, _CTSA07.java, _CTSA09.java
CTSA06-1  A clear-tamper    0        2004-03-28T10:00 37037300014464855694
CTSA07-1  A phase-unbalance 10       2004-03-28T10:20 30220533115430798647
CTSA09-1  A clear-credit    65535    2004-03-29T00:00 10208942296089183521
CTSA09-3a A clear-credit    65535    2004-03-29T00:03 43348834939937913498
CTSA09-3b A clear-credit    65535    2004-03-29T00:04 51681104150374451564
CTSA09-3c A clear-credit    65535    2004-03-29T00:05 50526247723864280405
# STSComplianceTests_STS_531_1_0_02_CTSA12.java (maximum power limit boundaries)
CTSA12-1  A max-power       256      2004-04-01T07:00 41932934023937597177
CTSA12-2  A max-power       16383    2004-04-01T07:05 39962525051716972228
CTSA12-3  A max-power       16384    2004-04-01T07:10 49726922948713857933
CTSA12-4  A max-power       20000    2004-04-01T07:15 49240429350369491663
CTSA12-5  A max-power       180223   2004-04-01T07:20 59901462710025767433
CTSA12-6  A max-power       180224   2004-04-01T07:25 19230023168014606006
CTSA12-7  A max-power       1818623  2004-04-01T07:30 15202793104399278539
CTSA12-8  A max-power       1818624  2004-04-01T07:35 39289527337368539951
CTSA12-9  A max-power       18201624 2004-04-01T07:40 64902502692705103624
# STSComplianceTests_STS_531_1_0_02_CTSA13.java (phase power unbalance boundaries)
CTSA13-1  A phase-unbalance 256      2004-04-01T08:00 31529222328157245680
CTSA13-2  A phase-unbalance 16383    2004-04-01T08:05 73693330413053816261
CTSA13-3  A phase-unbalance 16384    2004-04-01T08:10 54550534704168942701
CTSA13-4  A phase-unbalance 20000    2004-04-01T08:15 59764600311380323340
CTSA13-5  A phase-unbalance 180223   2004-04-01T08:20 40345762458084906193
CTSA13-6  A phase-unbalance 180224   2004-04-01T08:25 66940669945224810632
CTSA13-7  A phase-unbalance 1818623  2004-04-01T08:30 39456295247583474882
CTSA13-8  A phase-unbalance 1818624  2004-04-01T08:35 71498975780521030688
CTSA13-9  A phase-unbalance 18201624 2004-04-01T08:40 57078032150370797843
# STSComplianceTests_STS_531_1_0_02_CTSA14.java (clear credit register values)
CTSA14-1  A clear-credit    0        2004-04-01T09:00 24406351748405762287
CTSA14-2  A clear-credit    65535    2004-04-01T09:05 48263195037886996694
CTSA14-3  A clear-credit    4        2004-04-01T09:10 17696673116286267663
CTSA14-4  A clear-credit    5        2004-04-01T09:15 47739859634763202644
CTSA14-5  A clear-credit    6        2004-04-01T09:20 23456948011089526127
CTSA14-6  A clear-credit    7        2004-04-01T09:25 51867282903899304686
"""
MANAGEMENT_KINDS = {
    "max-power": (SetMaximumPowerLimit, "watts"),
    "phase-unbalance": (SetMaximumPhasePowerUnbalanceLimit, "watts"),
    "clear-credit": (ClearCredit, "register"),
    "clear-tamper": (ClearTamperCondition, "pad"),
}


@pytest.mark.parametrize("row", table_rows(MANAGEMENT_TABLE), ids=lambda row: row[0])
def test_management_token_matches_compliance_vector(row):
    _, pan, kind, value, issued, expected = row
    codec = codec_02({"A": PAN_A, "B": PAN_B}[pan])
    fields_type, field = MANAGEMENT_KINDS[kind]
    fields = fields_type(
        tid=codec.tid(datetime.fromisoformat(issued)), rnd=5, **{field: int(value)}
    )
    assert codec.encode(fields) == expected
    decoded = codec.decode(expected)
    assert decoded.fields == fields
    assert decoded.token_class is TokenClass.MANAGEMENT


def test_ctsa09_step2_token_carries_the_next_minute():
    # STSComplianceTests_STS_531_1_0_02_CTSA09.java step 2 asks for 29/03/2004 00:01 and
    # expects 20388873191656671689, a second token within a minute of step 1.  Its TID
    # says 00:02: the vending side moved it one minute on, as IEC 62055-51 asks for
    # tokens made within the same minute.  We check the published token decodes so.
    codec = codec_02()
    decoded = codec.decode("20388873191656671689")
    assert decoded.fields == ClearCredit(tid=codec.tid(at(2004, 3, 29, 0, 2)), rnd=5)
    assert codec.encode(decoded.fields) == "20388873191656671689"


# --- class 1 test/display ----------------------------------------------------------

TEST_DISPLAY_VECTORS = [
    # STSComplianceTests_STS_531_1_0_02_CTSA02.java (as ported in nectar_sts_dart)
    ((1 << 36) - 1, False, "56493153725450313471"),
    ((1 << 28) - 1, True, "02305843005052951967"),
    # STSComplianceTests_STS_531_1_0_02_CTSA11.java, steps 1-11 (2-digit) and 1-10 (4-digit)
    *[
        (1 << n, False, token)
        for n, token in enumerate(
            [
                "00000000000150997584",
                "00000000000167774880",
                "00000000000201328896",
                "18446744073843772416",
                "36893488147553322496",
                "00000000000671093248",
                "00000000001207974400",
                "00000000002281728512",
                "00000000004429208064",
                "00000000008724195840",
                "00000000017314105857",
            ]
        )
    ],
    *[
        (1 << n, True, token)
        for n, token in enumerate(
            [
                "01152921509036054672",
                "01152921513331042448",
                "01152921521920952465",
                "01152921539100838034",
                "01152921573460543637",
                "01152921642180020378",
                "01152921779618973828",
                "01152922054496880824",
                "01152922604252694700",
                "01152923703764322536",
            ]
        )
    ],
]


@pytest.mark.parametrize(("control", "four_digit", "expected"), TEST_DISPLAY_VECTORS)
def test_meter_test_token_matches_compliance_vector(control, four_digit, expected):
    assert meter_test_token(control, 0, four_digit_manufacturer=four_digit) == expected


def test_class_1_token_decodes_under_any_key():
    decoded = codec_02().decode("00000000000150997584")
    assert decoded.token_class is TokenClass.TEST_DISPLAY
    assert decoded.fields.control == 1
    assert decoded.issued is None


# --- Key Change Tokens ----------------------------------------------------------


@pytest.mark.parametrize(
    ("pan", "old_ti", "new_ti", "expected"),
    [
        # STSComplianceTests_STS_531_1_0_02_CTSA05.java steps 1, 2 and 3 (DKGA02, STA)
        (PAN_A, "01", "02", ("51638423060042734509", "15361891762113502242")),
        (PAN_A, "02", "01", ("26553210520543055412", "00943705441908264439")),
        (PAN_B, "01", "02", ("36495265416911568628", "35908059266238070883")),
    ],
)
def test_kct_pair_matches_compliance_vector(pan, old_ti, new_ti, expected):
    new_key = codec_02(pan, new_ti).decoder_key
    change = KeyChange(new_key, key_revision=1, key_type=2, tariff_index=int(new_ti))
    assert key_change_tokens(codec_02(pan, old_ti), change) == expected


def test_kct_for_128_bit_key_has_four_sections():
    # STSComplianceTests_STS_531_1_0_04_CTSA05.java step 1 (DKGA04, MISTY1)
    change = KeyChange(key_04(MISTY1, ti="02"), 1, 2, 2, supply_group="123457")
    assert key_change_tokens(codec_04(MISTY1), change) == (
        "34812744915211133004",
        "46903925208523674737",
        "71464563847088610152",
        "67904239402617643990",
    )


def test_kct_with_rollover_to_2014():
    # STSComplianceTests_STS_531_1_0_04_CTSA05.java step 2: new KRN 4, base date 2014,
    # rollover bit set (sections 1 and 2 are published).
    new_key = key_04(MISTY1, ti="02", krn=4, base_date=BaseDate.Y2014)
    change = KeyChange(new_key, 4, 2, 2, rollover=True, supply_group="123457")
    tokens = key_change_tokens(codec_04(MISTY1), change)
    assert tokens[:2] == ("56493341861242437581", "51757380361191578258")
    first = codec_04(MISTY1).decode(tokens[0]).fields
    assert isinstance(first, DecoderKeySection1) and first.rollover


def test_kct_for_another_pan_128_bit():
    # STSComplianceTests_STS_531_1_0_04_CTSA05.java step 3 (PAN 000001000000000082)
    change = KeyChange(key_04(MISTY1, PAN_B, ti="02"), 1, 2, 2, supply_group="123457")
    tokens = key_change_tokens(codec_04(MISTY1, PAN_B), change)
    assert tokens[:2] == ("29594465524699505864", "09506536067814156547")


def test_rollover_only_one_base_date_forward():
    assert needs_rollover(BaseDate.Y1993, BaseDate.Y2014)
    assert not needs_rollover(BaseDate.Y2014, BaseDate.Y2014)
    with pytest.raises(InvalidParameter, match="not to 2035"):
        needs_rollover(BaseDate.Y1993, BaseDate.Y2035)


def test_kct_rejects_a_key_of_the_wrong_length():
    with pytest.raises(InvalidKey, match="8 or 16 bytes"):
        key_change_tokens(codec_02(), KeyChange(b"\x01" * 12, 1, 2, 1))


# --- decoding errors ------------------------------------------------------------


def test_token_for_another_key_fails_its_crc():
    token = credit_token(codec_02(), quantity=1, issued=at(2004, 3, 1), rnd=1)
    with pytest.raises(CrcMismatch, match="another decoder key"):
        codec_02(ti="02").decode(token)


def test_class_3_is_reported_as_reserved():
    token = f"{(0b11 << 27):020d}"
    with pytest.raises(UnknownTokenClass, match="reserved"):
        codec_02().decode(token)


def test_malformed_token_is_a_format_error():
    with pytest.raises(TokenFormatError):
        codec_02().decode("1234")


def test_codec_hides_its_key():
    assert "abab" not in repr(codec_02()) and "hidden" in repr(codec_02())


def test_codec_refuses_a_key_of_the_wrong_length():
    with pytest.raises(InvalidKey, match="16 bytes"):
        TokenCodec(b"\x01" * 8, MISTY1, BaseDate.Y1993)


@pytest.mark.parametrize("encryption", [STA, DEA])
def test_dea_and_sta_round_trip(encryption):
    codec = TokenCodec(bytes.fromhex("1334577a9bbcdff1"), encryption, BaseDate.Y2014)
    token = credit_token(codec, quantity="12.3", issued=at(2021, 1, 26, 13, 0), rnd=7)
    decoded = codec.decode(token)
    assert decoded.fields.quantity == Decimal("12.3")
    assert decoded.issued == at(2021, 1, 26, 13, 0)


# --- decoder key cache ---------------------------------------------------------


def test_cache_derives_each_meter_once():
    cache = DecoderKeyCache(maxsize=2)
    meter = MeterKeyData(Pan.from_string(PAN_A), "123456", "01", 2, 1)
    options = {"vending_key": VK02, "algorithm": KeyGenerationAlgorithm.DKGA02, "encryption": STA}
    first = cache.codec(meter=meter, **options)
    assert cache.codec(meter=meter, **options) is first
    assert first.decoder_key == codec_02().decoder_key


def test_cache_forgets_the_least_recently_used():
    cache = DecoderKeyCache(maxsize=1)
    options = {"vending_key": VK02, "algorithm": KeyGenerationAlgorithm.DKGA02, "encryption": STA}
    one = MeterKeyData(Pan.from_string(PAN_A), "123456", "01", 2, 1)
    two = MeterKeyData(Pan.from_string(PAN_B), "123456", "01", 2, 1)
    cache.codec(meter=one, **options)
    cache.codec(meter=two, **options)
    assert len(cache) == 1
