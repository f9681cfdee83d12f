"""Known answers and properties of the STS block ciphers (EA07, EA09, EA11)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from meterops.sts.ciphers import (
    EncryptionAlgorithm,
    StaCipher,
    StaTables,
    cipher_for,
    decrypt_block,
    encrypt_block,
    is_weak_des_key,
)
from meterops.sts.errors import InvalidKey, InvalidParameter, StsError
from tests.sts.vectors import (
    DES_VECTORS,
    IEC_EXAMPLE_DECODER_KEY,
    IEC_EXAMPLE_PLAINTEXT,
    IEC_EXAMPLE_TOKEN,
    IEC_SAMPLE_STA_TABLES,
    MISTY1_RFC2994,
    join_token,
    split_token,
)

STA, DEA, MISTY1 = EncryptionAlgorithm.STA, EncryptionAlgorithm.DEA, EncryptionAlgorithm.MISTY1
blocks = st.integers(min_value=0, max_value=2**64 - 1)


def keys_for(algorithm: EncryptionAlgorithm) -> st.SearchStrategy[bytes]:
    return st.binary(min_size=algorithm.key_length, max_size=algorithm.key_length)


def test_algorithm_codes_are_the_standard_ea_numbers() -> None:
    assert [a.value for a in EncryptionAlgorithm] == ["07", "09", "11"]
    assert (STA.key_length, DEA.key_length, MISTY1.key_length) == (8, 8, 16)


@pytest.mark.parametrize(("key", "plaintext", "ciphertext"), MISTY1_RFC2994)
def test_misty1_matches_rfc2994(key: str, plaintext: int, ciphertext: int) -> None:
    cipher = cipher_for(MISTY1, bytes.fromhex(key))
    assert cipher.encrypt(plaintext) == ciphertext
    assert cipher.decrypt(ciphertext) == plaintext


@pytest.mark.parametrize(("key", "plaintext", "ciphertext"), DES_VECTORS)
def test_dea_matches_published_des_vectors(key: str, plaintext: int, ciphertext: int) -> None:
    assert encrypt_block(DEA, bytes.fromhex(key), plaintext) == ciphertext
    assert decrypt_block(DEA, bytes.fromhex(key), ciphertext) == plaintext


def test_sta_structure_reproduces_the_iec_worked_example() -> None:
    """With the standard's sample tables, STA gives the example token of IEC 62055-41."""
    cipher = StaCipher(bytes.fromhex(IEC_EXAMPLE_DECODER_KEY), IEC_SAMPLE_STA_TABLES)
    encrypted = cipher.encrypt(IEC_EXAMPLE_PLAINTEXT)
    assert join_token(0, encrypted) == f"{IEC_EXAMPLE_TOKEN:020d}"
    assert cipher.decrypt(split_token(str(IEC_EXAMPLE_TOKEN))[1]) == IEC_EXAMPLE_PLAINTEXT


def test_sta_operational_tables_differ_from_the_sample_tables() -> None:
    key = bytes.fromhex(IEC_EXAMPLE_DECODER_KEY)
    sample = StaCipher(key, IEC_SAMPLE_STA_TABLES).encrypt(IEC_EXAMPLE_PLAINTEXT)
    assert cipher_for(STA, key).encrypt(IEC_EXAMPLE_PLAINTEXT) != sample


@pytest.mark.parametrize("algorithm", list(EncryptionAlgorithm))
@given(data=st.data(), block=blocks)
def test_decrypt_inverts_encrypt(
    algorithm: EncryptionAlgorithm, data: st.DataObject, block: int
) -> None:
    key = data.draw(keys_for(algorithm))
    assume(not (algorithm is DEA and is_weak_des_key(key)))
    cipher = cipher_for(algorithm, key)
    encrypted = cipher.encrypt(block)
    assert 0 <= encrypted < 2**64
    assert cipher.decrypt(encrypted) == block
    assert cipher.encrypt(cipher.decrypt(block)) == block


@given(key=keys_for(STA), block=blocks)
def test_sta_with_sample_tables_round_trips(key: bytes, block: int) -> None:
    cipher = StaCipher(key, IEC_SAMPLE_STA_TABLES)
    assert cipher.decrypt(cipher.encrypt(block)) == block


@pytest.mark.parametrize("algorithm", list(EncryptionAlgorithm))
@given(data=st.data())
def test_one_shot_helpers_agree_with_cipher_for(
    algorithm: EncryptionAlgorithm, data: st.DataObject
) -> None:
    key = data.draw(keys_for(algorithm))
    block = data.draw(blocks)
    assume(not (algorithm is DEA and is_weak_des_key(key)))
    assert encrypt_block(algorithm, key, block) == cipher_for(algorithm, key).encrypt(block)
    assert decrypt_block(algorithm, key, block) == cipher_for(algorithm, key).decrypt(block)


@given(key=keys_for(STA), block=blocks, bit=st.integers(min_value=0, max_value=63))
def test_sta_ciphertext_depends_on_every_key_bit(key: bytes, block: int, bit: int) -> None:
    flipped = (int.from_bytes(key, "big") ^ 1 << bit).to_bytes(8, "big")
    assert cipher_for(STA, key).encrypt(block) != cipher_for(STA, flipped).encrypt(block)


@pytest.mark.parametrize("algorithm", list(EncryptionAlgorithm))
@given(data=st.data())
def test_wrong_key_length_raises_invalid_key(
    algorithm: EncryptionAlgorithm, data: st.DataObject
) -> None:
    length = data.draw(
        st.integers(min_value=0, max_value=40).filter(lambda n: n != algorithm.key_length)
    )
    with pytest.raises(InvalidKey) as raised:
        cipher_for(algorithm, bytes(length))
    message = str(raised.value)
    assert f"{algorithm.key_length} bytes" in message
    assert f"but {length} bytes" in message


@pytest.mark.parametrize("key", ["0123456789abcdef", 1234, None, [1] * 8])
def test_key_that_is_not_bytes_raises_invalid_key(key: object) -> None:
    with pytest.raises(InvalidKey):
        cipher_for(STA, key)  # type: ignore[arg-type]


@pytest.mark.parametrize("algorithm", list(EncryptionAlgorithm))
@pytest.mark.parametrize("block", [-1, 2**64])
def test_block_outside_64_bits_raises(algorithm: EncryptionAlgorithm, block: int) -> None:
    cipher = cipher_for(algorithm, bytes(range(1, algorithm.key_length + 1)))
    with pytest.raises(InvalidParameter):
        cipher.encrypt(block)
    with pytest.raises(InvalidParameter):
        cipher.decrypt(block)


@pytest.mark.parametrize(
    "weak", ["0101010101010101", "0000000000000000", "fefefefefefefefe", "01fe01fe01fe01fe"]
)
def test_weak_des_key_is_refused(weak: str) -> None:
    assert is_weak_des_key(bytes.fromhex(weak))
    with pytest.raises(InvalidKey) as raised:
        cipher_for(DEA, bytes.fromhex(weak))
    assert weak not in str(raised.value).lower()


def test_unknown_algorithm_is_refused() -> None:
    with pytest.raises(InvalidParameter):
        cipher_for("07", bytes(8))  # type: ignore[arg-type]


def test_errors_are_value_errors_with_a_common_base() -> None:
    assert issubclass(InvalidKey, StsError)
    assert issubclass(StsError, ValueError)


@pytest.mark.parametrize("algorithm", list(EncryptionAlgorithm))
def test_cipher_repr_hides_the_key(algorithm: EncryptionAlgorithm) -> None:
    key = bytes(range(0x41, 0x41 + algorithm.key_length))
    text = repr(cipher_for(algorithm, key))
    assert "hidden" in text
    assert key.hex() not in text.lower()
    assert str(key) not in text


def test_sta_tables_must_be_permutations() -> None:
    with pytest.raises(InvalidParameter):
        StaTables(
            substitution_1=(0,) * 16, substitution_2=tuple(range(16)), permutation=tuple(range(64))
        )
