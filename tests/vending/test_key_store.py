"""The one key store: vending keys sealed at rest, one place for campaigns and token sales."""

import pytest
from django.db import connection
from django.test import override_settings

from meterops.core.errors import InvalidInput
from meterops.vending import crypto
from meterops.vending.demo import (
    TEST_NEW_KEY,
    TEST_OLD_42_KEY,
    TEST_OLD_KEY,
    store_test_keys,
)
from meterops.vending.keys import current_key_for, key_for_vkrn, upgrade_pairs_for
from meterops.vending.models import VendingKey
from meterops.vending.services import store_vending_key


def raw_column(key: VendingKey) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("SELECT key_material FROM keychange_vendingkey WHERE id = %s", [key.pk])
        return bytes(cursor.fetchone()[0])


@pytest.mark.django_db
class KeyStoreTests:
    def test_the_column_never_holds_the_plaintext(self, cast):
        store_test_keys(cast.region)
        for key, plain in zip(
            VendingKey.objects.order_by("vkrn"),
            (TEST_OLD_KEY, TEST_OLD_42_KEY, TEST_NEW_KEY),
            strict=True,
        ):
            stored = raw_column(key)
            assert bytes.fromhex(plain) not in stored
            assert plain.encode() not in stored and plain.upper().encode() not in stored
            assert stored.startswith(crypto.PREFIX)
            assert key.material == bytes.fromhex(plain)

    def test_the_same_key_seals_differently_each_time(self):
        assert crypto.seal(b"\xab" * 8) != crypto.seal(b"\xab" * 8)

    def test_a_tampered_column_does_not_open(self, cast):
        store_test_keys(cast.region)
        key = VendingKey.objects.first()
        stored = bytearray(raw_column(key))
        stored[-1] ^= 1
        with pytest.raises(crypto.KeyDecryptionError):
            crypto.open_sealed(bytes(stored))

    def test_rotation_opens_old_seals_and_reseals_under_the_new_kek(self, cast):
        with override_settings(METEROPS_KEY_ENCRYPTION_KEY="old-secret"):
            store_test_keys(cast.region)
            sealed_old = raw_column(VendingKey.objects.get(vkrn=41))
        with override_settings(
            METEROPS_KEY_ENCRYPTION_KEY="new-secret",
            METEROPS_KEY_ENCRYPTION_KEY_PREVIOUS=["old-secret"],
            DEBUG=False,
        ):
            from django.core.management import call_command

            call_command("rotate_vending_keys")
            resealed = raw_column(VendingKey.objects.get(vkrn=41))
            assert resealed != sealed_old
        with override_settings(
            METEROPS_KEY_ENCRYPTION_KEY="new-secret",
            METEROPS_KEY_ENCRYPTION_KEY_PREVIOUS=[],
            DEBUG=False,
        ):
            assert crypto.open_sealed(resealed) == bytes.fromhex(TEST_OLD_KEY)
            with pytest.raises(crypto.KeyDecryptionError):
                crypto.open_sealed(sealed_old)

    def test_without_a_kek_and_debug_off_nothing_is_sealed(self):
        from django.core.exceptions import ImproperlyConfigured

        with (
            override_settings(METEROPS_KEY_ENCRYPTION_KEY="", DEBUG=False),
            pytest.raises(ImproperlyConfigured),
        ):
            crypto.seal(b"\x00" * 8)

    def test_the_repr_and_masked_text_hide_the_key(self, cast):
        store_test_keys(cast.region)
        key = VendingKey.objects.get(vkrn=41)
        assert TEST_OLD_KEY not in repr(key) + str(key) + key.masked
        assert key.masked.endswith("(8 byte)")

    def test_one_place_answers_campaigns_and_sales(self, cast):
        """Seed 003: VKRN 41 (KRN 1) and 42 (KRN 2) are the old keys, 43 (KRN 2) the new one."""
        store_test_keys(cast.region)
        pairs = upgrade_pairs_for(cast.sp_a)
        assert sorted(pairs) == [41, 42]
        assert key_for_vkrn(cast.sp_a, 41) == pairs[41].old
        assert key_for_vkrn(cast.sp_a, 42) == pairs[42].old
        assert (pairs[41].old.key_revision, pairs[42].old.key_revision) == (1, 2)
        assert key_for_vkrn(cast.sp_a, 43) == pairs[42].new == current_key_for(cast.sp_a)
        assert pairs[42].new.key_revision == 2
        assert key_for_vkrn(cast.sp_a, 44) is None and key_for_vkrn(cast.sp_a, None) is None

    def test_a_vkrn_keeps_its_krn(self, cast):
        """VKRN 42 with KRN 1 would make tokens the meter refuses: refused when stored."""
        with pytest.raises(InvalidInput) as caught:
            store_vending_key(
                actor=None,
                unit=cast.region,
                vkrn=42,
                key_revision=1,
                algorithm="02",
                encryption="07",
                base_date=1993,
                key_hex=TEST_OLD_KEY,
            )
        assert caught.value.field == "key_revision" and "KRN 2" in str(caught.value.message)


@pytest.mark.django_db
class KeyAdminTests:
    def test_the_admin_form_seals_the_key_and_checks_its_length(self, cast):
        from meterops.vending.admin import VendingKeyForm

        data = {
            "unit": cast.region.pk,
            "vkrn": 41,
            "key_revision": 1,
            "algorithm": "02",
            "encryption": "07",
            "base_date": 1993,
            "label": "UJI",
        }
        short = VendingKeyForm({**data, "key_hex": "abab"})
        assert not short.is_valid() and "8 byte" in str(short.errors)
        wrong_krn = VendingKeyForm({**data, "vkrn": 43, "key_hex": TEST_OLD_KEY})
        assert not wrong_krn.is_valid() and "KRN 2" in str(wrong_krn.errors["key_revision"])
        form = VendingKeyForm({**data, "key_hex": TEST_OLD_KEY})
        assert form.is_valid(), form.errors
        key = form.save()
        assert bytes.fromhex(TEST_OLD_KEY) not in raw_column(key)
        assert VendingKey.objects.get(pk=key.pk).material == bytes.fromhex(TEST_OLD_KEY)
