"""Benchmark of the STS token engine: bulk credit tokens per algorithm, one process.

Run:  .venv/bin/python bench/bench_sts.py [--tokens N] [--meters M] [--no-profile]

For each encryption algorithm it vends N electricity credit tokens spread over M
meters (decoder keys derived once per meter through DecoderKeyCache, as a vending
server would), then decodes them all, and prints tokens per second.  For STA it
also runs a straightforward bit-string implementation written the obvious way
(below) on the same inputs, checks both give the same tokens, and prints the
ratio of the two throughputs.  Last comes a cProfile summary of the hot path.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import platform
import pstats
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from meterops.sts import (
    BaseDate,
    DecoderKeyCache,
    EncryptionAlgorithm,
    KeyGenerationAlgorithm,
    MeterKeyData,
    Pan,
    TokenCodec,
    credit_token,
)
from meterops.sts.ciphers import decrypt_block, encrypt_block
from meterops.sts.keys import luhn_check_digit

VENDING_KEYS = {
    KeyGenerationAlgorithm.DKGA02: bytes.fromhex("abababababababab"),
    KeyGenerationAlgorithm.DKGA04: bytes.fromhex("abababababababab949494949494949401234567"),
}
ALGORITHMS = [
    (EncryptionAlgorithm.STA, KeyGenerationAlgorithm.DKGA02),
    (EncryptionAlgorithm.DEA, KeyGenerationAlgorithm.DKGA02),
    (EncryptionAlgorithm.MISTY1, KeyGenerationAlgorithm.DKGA04),
]
START = datetime(2021, 1, 26, 6, 19)


# --- the baseline: a bit-string implementation written the obvious way ---------


def naive_crc(bits: str) -> str:
    """CRC-16 over a bit string, one bit at a time, as the standard describes it."""
    padded = bits.zfill(56)
    crc = 0xFFFF
    for start in range(0, 56, 8):
        crc ^= int(padded[start : start + 8], 2)
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    swapped = ((crc & 0xFF) << 8) | (crc >> 8)
    return format(swapped, "016b")


def naive_generate(key: bytes, algorithm: EncryptionAlgorithm, amount: int, tid: int, rnd: int):
    """Credit token: fields as '0'/'1' strings, one-shot cipher, transposition by slicing."""
    body = "0000" + format(rnd, "04b") + format(tid, "024b") + format(amount, "016b")
    block = body + naive_crc("00" + body)
    encrypted = format(encrypt_block(algorithm, key, int(block, 2)), "064b")
    bits = "00" + encrypted
    bits = bits[37:39] + bits[2:37] + bits[0:2] + bits[39:]
    return str(int(bits, 2)).zfill(20)


def naive_decode(key: bytes, algorithm: EncryptionAlgorithm, token: str) -> tuple[int, int, int]:
    """(amount field, tid, rnd) of a credit token, or ValueError on a bad CRC."""
    bits = format(int(token), "066b")
    bits = bits[37:39] + bits[2:37] + bits[0:2] + bits[39:]
    block = format(decrypt_block(algorithm, key, int(bits[2:], 2)), "064b")
    if naive_crc(bits[:2] + block[:48]) != block[48:]:
        raise ValueError("CRC")
    return int(block[32:48], 2), int(block[8:32], 2), int(block[4:8], 2)


# --- workload -----------------------------------------------------------------


def meters(count: int, base_date: BaseDate) -> list[MeterKeyData]:
    result = []
    for number in range(count):
        payload = "600727" + f"{number:011d}"
        pan = Pan.from_string(payload + luhn_check_digit(payload))
        result.append(MeterKeyData(pan, "123456", "01", 2, 1, base_date))
    return result


def best_rate(work: Callable[[], object], count: int, repeats: int = 3) -> float:
    """Best of ``repeats`` runs, in items per second."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return count / best


def bench_algorithm(encryption, kga, tokens: int, meter_count: int) -> dict[str, float]:
    fleet = meters(meter_count, BaseDate.Y2014)
    cache = DecoderKeyCache()
    vending_key = VENDING_KEYS[kga]

    def codec_of(index: int) -> TokenCodec:
        return cache.codec(
            vending_key=vending_key,
            algorithm=kga,
            meter=fleet[index % meter_count],
            encryption=encryption,
        )

    started = time.perf_counter()
    codecs = [codec_of(index) for index in range(meter_count)]
    derive_rate = meter_count / (time.perf_counter() - started)
    issued = [START + timedelta(minutes=index) for index in range(tokens)]
    made: list[str] = []

    def generate() -> None:
        made.clear()
        for index in range(tokens):
            codec = codec_of(index)
            made.append(credit_token(codec, quantity=20, issued=issued[index], rnd=index & 15))

    def decode() -> None:
        for index, token in enumerate(made):
            codecs[index % meter_count].decode(token)

    return {
        "derive": derive_rate,
        "generate": best_rate(generate, tokens),
        "decode": best_rate(decode, tokens),
        "_tokens": made,  # type: ignore[dict-item]
        "_codecs": codecs,  # type: ignore[dict-item]
    }


def bench_naive(result: dict, tokens: int, meter_count: int) -> dict[str, float]:
    codecs: list[TokenCodec] = result["_codecs"]
    expected: list[str] = result["_tokens"]
    tids = [codecs[0].tid(START + timedelta(minutes=index)) for index in range(tokens)]
    made: list[str] = []

    def generate() -> None:
        made.clear()
        for index in range(tokens):
            codec = codecs[index % meter_count]
            made.append(
                naive_generate(codec.decoder_key, codec.encryption, 200, tids[index], index & 15)
            )

    def decode() -> None:
        for index, token in enumerate(made):
            codec = codecs[index % meter_count]
            naive_decode(codec.decoder_key, codec.encryption, token)

    rates = {"generate": best_rate(generate, tokens, 1), "decode": best_rate(decode, tokens, 1)}
    if made != expected:
        raise SystemExit("The naive implementation disagrees with the engine; check it.")
    return rates


def profile_hot_path(tokens: int, meter_count: int) -> str:
    """cProfile of generating and decoding STA tokens with warm keys, top entries by own time."""
    fleet = meters(meter_count, BaseDate.Y2014)
    cache = DecoderKeyCache()
    kga, vending_key = KeyGenerationAlgorithm.DKGA02, VENDING_KEYS[KeyGenerationAlgorithm.DKGA02]

    def codec_of(index: int) -> TokenCodec:
        return cache.codec(
            vending_key=vending_key,
            algorithm=kga,
            meter=fleet[index % meter_count],
            encryption=EncryptionAlgorithm.STA,
        )

    for index in range(meter_count):  # steady state: every key already derived
        codec_of(index)
    profiler = cProfile.Profile()
    profiler.enable()
    for index in range(tokens):
        codec = codec_of(index)
        token = credit_token(codec, quantity=20, issued=START + timedelta(minutes=index), rnd=1)
        codec.decode(token)
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.strip_dirs().sort_stats("tottime").print_stats(14)
    return stream.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokens", type=int, default=20_000)
    parser.add_argument("--meters", type=int, default=1_000)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()

    print(
        f"python {platform.python_version()} on {platform.machine()}, {platform.system()}; "
        f"{args.tokens} tokens over {args.meters} meters, best of 3"
    )
    print(f"{'algorithm':<10}{'keys/s':>12}{'generate/s':>14}{'decode/s':>12}")
    sta = None
    for encryption, kga in ALGORITHMS:
        result = bench_algorithm(encryption, kga, args.tokens, args.meters)
        sta = sta or result
        print(
            f"{encryption.name + '/' + kga.value:<10}{result['derive']:>12,.0f}"
            f"{result['generate']:>14,.0f}{result['decode']:>12,.0f}"
        )
    naive = bench_naive(sta, args.tokens, args.meters)
    print(f"{'naive STA':<10}{'':>12}{naive['generate']:>14,.0f}{naive['decode']:>12,.0f}")
    print(
        f"ratio engine/naive (STA): generate x{sta['generate'] / naive['generate']:.1f}, "
        f"decode x{sta['decode'] / naive['decode']:.1f}"
    )
    if not args.no_profile:
        print("\nProfile of the hot path (STA, generate + decode, cached keys):")
        print(profile_hot_path(args.tokens // 2, args.meters))


if __name__ == "__main__":
    sys.exit(main())
