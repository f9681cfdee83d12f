"""``python -m meterops.sts``: output, exit codes and error messages.

Expected tokens are the STS 531-1-0-02 compliance vectors cited in test_engine.py
(NectarAPI/tokens-service STSComplianceTests_STS_531_1_0_02_CTSA01/CTSA03/CTSA05.java).
"""

import json
import subprocess
import sys

import pytest

from meterops.sts.cli import main

VENDING_KEY = "abababababababab"
METER = ["--pan", "600727000000000009", "--sgc", "123456", "--ti", "01", "--krn", "1"]
KEY = [*METER, "--vending-key", VENDING_KEY]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def test_generate_prints_the_token(capsys):
    code, out, _ = run(
        capsys,
        "generate",
        "electricity",
        *KEY,
        "--amount",
        "0.1",
        "--issued",
        "2004-03-01T13:55",
        "--rnd",
        "5",
    )
    assert (code, out) == (0, "23716100501183194197")


def test_generate_json_describes_the_token(capsys):
    code, out, _ = run(
        capsys,
        "generate",
        "electricity",
        *KEY,
        "--amount",
        "0.1",
        "--issued",
        "2004-03-01T13:55:00",
        "--rnd",
        "5",
        "--json",
    )
    result = json.loads(out)
    assert code == 0
    assert result["tokens"] == ["23716100501183194197"]
    assert result["fields"]["quantity"] == "0.1"
    assert result["issued"] == "2004-03-01T13:55"


def test_generate_management_token(capsys):
    code, out, _ = run(
        capsys,
        "generate",
        "max-power",
        *KEY,
        "--watts",
        "1000",
        "--issued",
        "2004-03-28T09:01",
        "--rnd",
        "5",
    )
    assert (code, out) == (0, "50901894209860263092")


def test_generate_test_token_needs_no_key(capsys):
    assert run(capsys, "generate", "test", "--control", "0x1") == (0, "00000000000150997584", "")


def test_generate_with_a_decoder_key(capsys):
    code, out, _ = run(
        capsys,
        "generate",
        "electricity",
        "--decoder-key",
        "e653341f9d5bf36f",
        "--amount",
        "0.1",
        "--issued",
        "2004-03-01T13:55",
        "--rnd",
        "5",
    )
    assert (code, out) == (0, "23716100501183194197")


def test_key_prints_the_decoder_key(capsys):
    assert run(capsys, "key", *KEY) == (0, "e653341f9d5bf36f", "")


def test_kct_prints_the_pair(capsys):
    code, out, _ = run(capsys, "kct", *KEY, "--new-ti", "02")
    assert (code, out.split()) == (0, ["51638423060042734509", "15361891762113502242"])


def test_kct_json_names_the_target(capsys):
    _code, out, _ = run(capsys, "kct", *KEY, "--new-ti", "02", "--new-krn", "2", "--json")
    result = json.loads(out)
    assert (result["key_revision"], result["tariff_index"], result["rollover"]) == (2, "02", False)


def test_kct_to_the_next_base_date_sets_rollover(capsys):
    _code, out, _ = run(capsys, "kct", *KEY, "--new-base-date", "2014", "--json")
    assert json.loads(out)["rollover"] is True


def test_decode_shows_the_fields(capsys):
    _code, out, _ = run(capsys, "decode", "51638423060042734509", *KEY, "--json")
    result = json.loads(out)
    assert result["class"] == 2 and result["subclass"] == 3 and result["crc_valid"] is True
    assert result["fields"]["type"] == "DecoderKeySection1"


def test_decode_failure_is_reported_with_its_reason(capsys):
    code, out, err = run(capsys, "decode", "51638423060042734508", *KEY, "--json")
    assert code == 1
    assert json.loads(out) == {
        "error": json.loads(out)["error"],
        "type": "CrcMismatch",
        "crc_valid": False,
    }
    assert err.startswith("error: CRC check failed")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["decode", "1234567890123456789x", *KEY], "character 'x' at position 20"),
        (["decode", "123", *KEY], "has 3"),
        (
            [
                "generate",
                "electricity",
                *KEY,
                "--amount",
                "2000000",
                "--issued",
                "2020-01-01T00:00",
            ],
            "above the largest amount",
        ),
        (
            ["generate", "electricity", *KEY, "--amount", "1", "--issued", "1990-01-01T00:00"],
            "before base date 1993",
        ),
        (["generate", "electricity", *METER, "--amount", "1"], "--vending-key is needed"),
        (["generate", "electricity", *KEY, "--issued", "2020-01-01T00:00"], "needs --amount"),
        (["key", *METER, "--vending-key", "abcd"], "8 bytes long"),
        (["key", *KEY[:1], "600727000000000008", *KEY[2:]], "Luhn"),
    ],
)
def test_errors_exit_1_with_one_clear_line(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err and VENDING_KEY not in err


def test_meter_simulation(capsys, tmp_path):
    state = str(tmp_path / "meter.json")
    assert run(capsys, "meter", state, "init", *KEY)[0] == 0
    token = run(
        capsys, "generate", "electricity", *KEY, "--amount", "20", "--issued", "2004-03-01T13:55"
    )[1]
    code, out, _ = run(capsys, "meter", state, "enter", token, "--json")
    result = json.loads(out)
    assert code == 0 and result["meter"]["credit"] == {"electricity": "20.0"}
    code, out, _ = run(capsys, "meter", state, "enter", token, "--json")
    assert code == 1 and json.loads(out)["results"][0]["reason"] == "used"


def test_meter_key_change_half_entered(capsys, tmp_path):
    state = str(tmp_path / "meter.json")
    run(capsys, "meter", state, "init", *KEY)
    first, _ = run(capsys, "kct", *KEY, "--new-krn", "2")[1].split()
    run(capsys, "meter", state, "enter", first)
    _code, out, _ = run(capsys, "meter", state, "show", "--json")
    shown = json.loads(out)
    assert shown["key_change_pending"] == [1] and shown["key_revision"] == 1


def test_meter_missing_state_file_is_a_clear_error(capsys, tmp_path):
    code, _, err = run(capsys, "meter", str(tmp_path / "none.json"), "show")
    assert code == 1 and err.startswith("error: ") and "none.json" in err


def test_module_entry_point_has_no_traceback_on_error():
    completed = subprocess.run(  # noqa: S603 - fixed argv, our own interpreter
        [sys.executable, "-m", "meterops.sts", "decode", "abc", "--decoder-key", "00" * 8],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1
    assert completed.stderr.startswith("error: ") and "Traceback" not in completed.stderr


def test_key_type_0_is_taken_as_given(capsys):
    assert run(capsys, "key", *KEY, "--key-type", "0")[1] != run(capsys, "key", *KEY)[1]


def test_management_token_without_its_value_is_refused(capsys):
    code, _, err = run(capsys, "generate", "max-power", *KEY, "--issued", "2020-01-01T00:00")
    assert code == 1 and "needs --watts" in err


def test_clear_tamper_needs_no_value(capsys):
    code, out, _ = run(
        capsys, "generate", "clear-tamper", *KEY, "--issued", "2004-03-28T10:00", "--rnd", "5"
    )
    # STSComplianceTests_STS_531_1_0_02_CTSA06.java step 1
    assert (code, out) == (0, "37037300014464855694")


def test_misty1_kct_needs_the_supply_group(capsys):
    code, _, err = run(
        capsys,
        "kct",
        "--decoder-key",
        "00" * 16,
        "--ea",
        "11",
        "--new-decoder-key",
        "11" * 16,
        "--new-ti",
        "01",
        "--new-krn",
        "2",
    )
    assert code == 1 and "--new-sgc" in err
