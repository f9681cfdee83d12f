"""Command line for the STS token engine: ``python -m meterops.sts COMMAND ...``.

Every command takes ``--json`` for machine-readable output.  Errors print one
line (``error: ...``) on stderr and exit with status 1 (status 2 for a wrong
command line); there is never a traceback.  Keys are read from the command
line or from ``METEROPS_STS_VENDING_KEY`` / ``METEROPS_STS_DECODER_KEY`` and
are printed only by the ``key`` command, which exists to print one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal

from meterops.sts.ciphers import EncryptionAlgorithm
from meterops.sts.classes import (
    ClearCredit,
    ClearTamperCondition,
    CreditType,
    MeterTestDisplay,
    SetMaximumPhasePowerUnbalanceLimit,
    SetMaximumPowerLimit,
    SetTariffRate,
    SetWaterMeterFactor,
    TokenFields,
)
from meterops.sts.engine import (
    DecodedToken,
    KeyChange,
    TokenCodec,
    credit_token,
    key_change_tokens,
    meter_test_token,
    needs_rollover,
    random_rnd,
)
from meterops.sts.errors import CrcMismatch, StsError
from meterops.sts.keys import (
    BaseDate,
    KeyGenerationAlgorithm,
    MeterKeyData,
    Pan,
    derive_decoder_key,
    key_from_hex,
)
from meterops.sts.meter_state import load_meter, meter_summary, new_meter, save_meter

CREDIT_TYPES = {kind.name.lower().replace("_", "-"): kind for kind in CreditType}
#: generate type -> (token type, the option carrying its value)
MANAGEMENT_TYPES: dict[str, tuple[type[TokenFields], str | None]] = {
    "max-power": (SetMaximumPowerLimit, "watts"),
    "phase-unbalance": (SetMaximumPhasePowerUnbalanceLimit, "watts"),
    "tariff-rate": (SetTariffRate, "rate"),
    "water-factor": (SetWaterMeterFactor, "factor"),
    "clear-credit": (ClearCredit, "register"),
    "clear-tamper": (ClearTamperCondition, None),
}
OPTIONAL_VALUES = {"register"}  # clear-credit clears every register unless told
TOKEN_TYPES = [*CREDIT_TYPES, "test", *MANAGEMENT_TYPES]
VENDING_KEY_ENV = "METEROPS_STS_VENDING_KEY"
DECODER_KEY_ENV = "METEROPS_STS_DECODER_KEY"


class CliError(Exception):
    """A usage problem found after argparse (e.g. a missing key input)."""


# --- argument parsing ---------------------------------------------------------


def _key_options(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """The inputs that make a decoder key; ``prefix`` is ``new-`` for the KCT target."""
    group = parser.add_argument_group(f"{prefix or 'meter '}key inputs")
    flag = f"--{prefix}"
    group.add_argument(f"{flag}pan", help="18-digit MeterPAN")
    group.add_argument(f"{flag}sgc", help="6-digit supply group code")
    group.add_argument(f"{flag}ti", help="2-digit tariff index")
    group.add_argument(f"{flag}krn", type=int, help="key revision number 1-9")
    group.add_argument(f"{flag}key-type", type=int, help="key type 0-3 (default 2)")
    group.add_argument(
        f"{flag}vending-key", metavar="HEX", help=f"vending key (or ${VENDING_KEY_ENV})"
    )
    group.add_argument(f"{flag}dkga", choices=["02", "04"], help="key generation algorithm")
    group.add_argument(f"{flag}ea", choices=["07", "09", "11"], help="encryption algorithm")
    group.add_argument(f"{flag}base-date", type=int, choices=[1993, 2014, 2035])
    group.add_argument(
        f"{flag}decoder-key", metavar="HEX", help=f"use this decoder key (or ${DECODER_KEY_ENV})"
    )


def _parse_issued(text: str) -> datetime:
    for pattern in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"{text!r} is not YYYY-MM-DDTHH:MM[:SS]")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print JSON")
    parser = argparse.ArgumentParser(
        prog="python -m meterops.sts", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", parents=[common], help="make a token")
    generate.add_argument("type", choices=TOKEN_TYPES)
    _key_options(generate)
    generate.add_argument("--issued", type=_parse_issued, help="issue time (default: now)")
    generate.add_argument("--rnd", type=int, help="4-bit random number (default: random)")
    generate.add_argument("--amount", help="credit in kWh, m3, time or currency units")
    generate.add_argument("--watts", type=int, help="power limit in W")
    generate.add_argument("--register", type=lambda v: int(v, 0), help="register to clear")
    generate.add_argument("--rate", type=int, help="tariff rate")
    generate.add_argument("--factor", type=int, help="water meter factor")
    generate.add_argument("--control", type=lambda v: int(v, 0), help="test/display control bits")
    generate.add_argument("--manufacturer-code", type=int, default=0)
    generate.add_argument("--four-digit-manufacturer", action="store_true")

    key = commands.add_parser("key", parents=[common], help="print the decoder key (hex)")
    _key_options(key)

    kct = commands.add_parser("kct", parents=[common], help="make Key Change Tokens")
    _key_options(kct)
    _key_options(kct, "new-")

    decode = commands.add_parser("decode", parents=[common], help="read a token")
    decode.add_argument("token")
    _key_options(decode)

    meter = commands.add_parser("meter", parents=[common], help="drive a simulated meter")
    meter.add_argument("state", help="JSON state file of the meter")
    actions = meter.add_subparsers(dest="action", required=True)
    init = actions.add_parser("init", parents=[common], help="create the state file")
    _key_options(init)
    init.add_argument(
        "--manufactured", type=_parse_issued, help="fill the TID store with this time"
    )
    enter = actions.add_parser("enter", parents=[common], help="enter tokens in order")
    enter.add_argument("tokens", nargs="+")
    actions.add_parser("show", parents=[common], help="show the registers")
    return parser


# --- key inputs -> codec ------------------------------------------------------


def _option(args: argparse.Namespace, prefix: str, name: str) -> object:
    """An option's value; a ``--new-...`` option left out means "unchanged"."""
    value = getattr(args, (prefix + name).replace("-", "_"))
    if value is None and prefix:
        value = getattr(args, name.replace("-", "_"))
    return value


def _or_default(value: object, default: object) -> object:
    """``value`` unless the option was left out (0 is a real value, e.g. key type 0)."""
    return default if value is None else value


def _require(value: object, flag: str) -> object:
    if value is None:
        raise CliError(f"{flag} is needed (or give the decoder key with --decoder-key).")
    return value


def meter_key_data(args: argparse.Namespace, prefix: str = "") -> MeterKeyData:
    """MeterKeyData from the key options (``new-`` options fall back to the old ones)."""
    return MeterKeyData(
        pan=Pan.from_string(str(_require(_option(args, prefix, "pan"), f"--{prefix}pan"))),
        supply_group=str(_require(_option(args, prefix, "sgc"), f"--{prefix}sgc")),
        tariff_index=str(_require(_option(args, prefix, "ti"), f"--{prefix}ti")),
        key_type=int(_or_default(_option(args, prefix, "key-type"), 2)),  # type: ignore[call-overload]
        key_revision=int(_require(_option(args, prefix, "krn"), f"--{prefix}krn")),  # type: ignore[call-overload]
        base_date=BaseDate(_option(args, prefix, "base-date") or 1993),
    )


def _encryption(args: argparse.Namespace, prefix: str = "") -> EncryptionAlgorithm:
    return EncryptionAlgorithm(_option(args, prefix, "ea") or "07")


def _decoder_key(args: argparse.Namespace, prefix: str = "") -> bytes:
    encryption = _encryption(args, prefix)
    explicit = getattr(args, f"{prefix}decoder_key".replace("-", "_"))
    if explicit is None and not prefix:
        explicit = os.environ.get(DECODER_KEY_ENV)
    if explicit is not None:
        return key_from_hex(explicit, encryption.key_length)
    algorithm = KeyGenerationAlgorithm(_option(args, prefix, "dkga") or "02")
    vending = _option(args, prefix, "vending-key") or os.environ.get(VENDING_KEY_ENV)
    vending_hex = str(_require(vending, f"--{prefix}vending-key"))
    length = 8 if algorithm is KeyGenerationAlgorithm.DKGA02 else 20
    return derive_decoder_key(
        vending_key=key_from_hex(vending_hex, length),
        algorithm=algorithm,
        meter=meter_key_data(args, prefix),
        encryption=encryption,
    )


def _tariff_index(text: object) -> int:
    if not (isinstance(text, str) and len(text) == 2 and text.isdigit()):
        raise CliError(f"A tariff index has 2 digits, like 01; got {text!r}.")
    return int(text)


def codec_from(args: argparse.Namespace, prefix: str = "") -> TokenCodec:
    base_date = BaseDate(_option(args, prefix, "base-date") or 1993)
    return TokenCodec(_decoder_key(args, prefix), _encryption(args, prefix), base_date)


# --- commands -----------------------------------------------------------------


def describe(fields: TokenFields) -> dict[str, object]:
    """JSON-friendly view of token fields (enums by name, amounts as text)."""
    view: dict[str, object] = {"type": type(fields).__name__}
    for name, value in asdict(fields).items():  # type: ignore[call-overload]
        view[name] = value.name.lower() if isinstance(value, CreditType) else value
    quantity = getattr(fields, "quantity", None)
    if isinstance(quantity, Decimal):
        view["quantity"] = str(quantity)
    return view


def describe_decoded(decoded: DecodedToken) -> dict[str, object]:
    return {
        "token": decoded.token,
        "class": int(decoded.token_class),
        "subclass": decoded.subclass,
        "crc_valid": True,
        "issued": decoded.issued.isoformat(timespec="minutes") if decoded.issued else None,
        "fields": describe(fields=decoded.fields),
    }


def _need(value: object, flag: str, kind: str) -> object:
    if value is None:
        raise CliError(f"A {kind} token needs {flag}.")
    return value


def _management_fields(args: argparse.Namespace, codec: TokenCodec) -> TokenFields:
    kind, value_name = MANAGEMENT_TYPES[args.type]
    values = {
        "tid": codec.tid(args.issued or datetime.now()),
        "rnd": random_rnd() if args.rnd is None else args.rnd,
    }
    if value_name is not None:
        value = getattr(args, value_name)
        if value is not None:
            values[value_name] = value
        elif value_name not in OPTIONAL_VALUES:
            raise CliError(f"A {args.type} token needs --{value_name}.")
    return kind(**values)


def cmd_generate(args: argparse.Namespace) -> dict[str, object]:
    if args.type == "test":
        control = _need(args.control, "--control", "test")
        token = meter_test_token(
            control,  # type: ignore[arg-type]
            args.manufacturer_code,
            four_digit_manufacturer=args.four_digit_manufacturer,
        )
        fields: TokenFields = MeterTestDisplay(
            control,
            args.manufacturer_code,
            args.four_digit_manufacturer,  # type: ignore[arg-type]
        )
        return {"tokens": [token], "fields": describe(fields)}
    codec = codec_from(args)
    if args.type in CREDIT_TYPES:
        token = credit_token(
            codec,
            quantity=_need(args.amount, "--amount", args.type),
            issued=args.issued or datetime.now(),
            credit_type=CREDIT_TYPES[args.type],
            rnd=args.rnd,
        )
    else:
        token = codec.encode(_management_fields(args, codec))
    decoded = codec.decode(token)
    return {"tokens": [token], **describe_decoded(decoded)}


def cmd_key(args: argparse.Namespace) -> dict[str, object]:
    return {"decoder_key": _decoder_key(args).hex()}


def cmd_kct(args: argparse.Namespace) -> dict[str, object]:
    current = codec_from(args)
    new_base = BaseDate(_option(args, "new-", "base-date") or current.base_date)
    new_ti = _option(args, "new-", "ti")
    change = KeyChange(
        new_key=_decoder_key(args, "new-"),
        key_revision=int(_require(_option(args, "new-", "krn"), "--new-krn")),  # type: ignore[call-overload]
        key_type=int(_or_default(_option(args, "new-", "key-type"), 2)),  # type: ignore[call-overload]
        tariff_index=_tariff_index(_require(new_ti, "--new-ti")),
        rollover=needs_rollover(current.base_date, new_base),
        supply_group=_new_supply_group(args),
    )
    tokens = key_change_tokens(current, change)
    return {
        "tokens": list(tokens),
        "key_revision": change.key_revision,
        "tariff_index": f"{change.tariff_index:02d}",
        "key_type": change.key_type,
        "base_date": int(new_base),
        "rollover": change.rollover,
    }


def _new_supply_group(args: argparse.Namespace) -> str:
    """The SGC that KCT sections 3 and 4 carry; only 128-bit (MISTY1) keys need one."""
    sgc = _option(args, "new-", "sgc")
    if sgc is None and _encryption(args, "new-") is EncryptionAlgorithm.MISTY1:
        raise CliError("A 128-bit key change carries the supply group: give --new-sgc or --sgc.")
    return str(_or_default(sgc, "000000"))


def cmd_decode(args: argparse.Namespace) -> dict[str, object]:
    return describe_decoded(codec_from(args).decode(args.token))


def cmd_meter(args: argparse.Namespace) -> dict[str, object]:
    if args.action == "init":
        meter = new_meter(
            decoder_key=_decoder_key(args),
            encryption=_encryption(args),
            settings=meter_key_settings(args),
            manufactured=args.manufactured,
        )
        save_meter(args.state, meter)
        return {"created": args.state}
    meter = load_meter(args.state)
    if args.action == "show":
        return meter_summary(meter)
    results = []
    for token in args.tokens:
        try:
            accepted = meter.enter(token)
            results.append({"token": token, "accepted": True, "effect": accepted.effect})
        except StsError as exc:
            reason = getattr(exc, "reason", None)
            results.append(
                {"token": token, "accepted": False, "reason": str(reason), "message": str(exc)}
            )
    save_meter(args.state, meter)
    return {"results": results, "meter": meter_summary(meter)}


def meter_key_settings(args: argparse.Namespace) -> dict[str, object]:
    """The meter settings that come from the key options (decoder key aside)."""
    return {
        "base_date": BaseDate(args.base_date or 1993),
        "key_revision": int(_require(args.krn, "--krn")),  # type: ignore[call-overload]
        "tariff_index": _tariff_index(_require(args.ti, "--ti")),
        "key_type": _or_default(args.key_type, 2),
        "supply_group": _or_default(args.sgc, "000000"),
    }


COMMANDS: dict[str, Callable[[argparse.Namespace], dict[str, object]]] = {
    "generate": cmd_generate,
    "key": cmd_key,
    "kct": cmd_kct,
    "decode": cmd_decode,
    "meter": cmd_meter,
}


# --- output -------------------------------------------------------------------


def render_text(result: dict[str, object]) -> str:
    """Plain output: tokens one per line, otherwise ``name: value`` lines."""
    if "tokens" in result:
        return "\n".join(result["tokens"])  # type: ignore[arg-type]
    if "decoder_key" in result:
        return str(result["decoder_key"])
    lines = []
    for name, value in result.items():
        if name == "results":
            lines.extend(f"{name}: {json.dumps(item)}" for item in value)  # type: ignore[attr-defined]
        elif isinstance(value, dict):
            lines.extend(f"{name}.{key}: {_plain(item)}" for key, item in value.items())
        else:
            lines.append(f"{name}: {_plain(value)}")
    return "\n".join(lines)


def _plain(value: object) -> str:
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = COMMANDS[args.command](args)
    except (ValueError, CliError) as exc:  # StsError is a ValueError
        if args.json:
            failure = {"error": str(exc), "type": type(exc).__name__}
            if isinstance(exc, CrcMismatch):
                failure["crc_valid"] = False
            print(json.dumps(failure))
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    print(json.dumps(result, default=str) if args.json else render_text(result))
    failed = any(not item["accepted"] for item in result.get("results", []))  # type: ignore[union-attr]
    return 1 if failed else 0
