"""manage.py restore_check: the manifest of a database, and what a restored copy must match."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from meterops.core.choices import Domain
from meterops.core.demo import demo_photo
from meterops.core.models import ProcessEvent
from meterops.core.restore import count_rows
from meterops.core.services import record_event
from meterops.vending.demo import store_test_keys
from tests.keychange.helpers import old_key_meter


@pytest.fixture
def source(cast, tmp_path, settings):
    """A customer with a timeline (one event carrying a photo) and a meter on a stored key."""
    store_test_keys(cast.region)
    meter = old_key_meter(cast.sp_a, vkrn=43, key_revision=2)
    customer = meter.customer
    record_event(
        verb="replacement.opened",
        actor=cast.officer,
        customer=customer,
        domain=Domain.REPLACEMENT,
        attachment=demo_photo("rumah.jpg", "rumah"),
    )
    record_event(
        verb="replacement.verified",
        actor=cast.supervisor,
        customer=customer,
        domain=Domain.REPLACEMENT,
    )
    manifest = tmp_path / "manifest.json"
    call_command("restore_check", write_manifest=str(manifest))
    return manifest


def compare(manifest, capsys) -> str:
    """The differences the comparison names ('' when it passes)."""
    try:
        call_command("restore_check", compare=str(manifest))
    except CommandError:
        return capsys.readouterr().err
    return ""


class RestoreCheckTests:
    def test_manifest_records_counts_files_timeline_and_token(self, source):
        manifest = json.loads(source.read_text())
        assert manifest["counts"]["core_processevent"] == 2
        photo = manifest["files"]["core.processevent.attachment"]
        assert photo["rows"] == 1 and photo["missing"] == 0
        assert len(photo["files"][0]["sha256"]) == 64
        assert [e[1] for e in manifest["timeline"]["events"]] == [
            "replacement.opened",
            "replacement.verified",
        ]
        assert manifest["vending_token"]["vkrn"] == 43
        assert "decoder_key" not in source.read_text()  # the meter state is sealed

    def test_unchanged_database_passes(self, source, capsys):
        assert compare(source, capsys) == ""

    def test_compare_writes_no_row(self, source, capsys):
        before = count_rows()
        compare(source, capsys)
        assert count_rows() == before

    def test_deleted_row_is_named(self, source, capsys):
        ProcessEvent.objects.filter(verb="replacement.verified").delete()
        differences = compare(source, capsys)
        assert "counts: core_processevent: 2 rows before, 1 now" in differences
        assert "timeline: customer" in differences

    def test_altered_photo_is_named(self, source, settings, capsys):
        name = ProcessEvent.objects.exclude(attachment="").get().attachment.name
        (settings.MEDIA_ROOT / name).write_bytes(b"not the photo")
        differences = compare(source, capsys)
        assert "core.processevent.attachment row" in differences
        assert f"file {name} differs" in differences

    def test_missing_photo_is_named(self, source, settings, capsys):
        name = ProcessEvent.objects.exclude(attachment="").get().attachment.name
        (settings.MEDIA_ROOT / name).unlink()
        differences = compare(source, capsys)
        assert "core.processevent.attachment: missing 0 before, 1 now" in differences
        assert f"file {name} missing" in differences

    def test_other_key_secret_fails_on_the_vending_key(self, source, settings, capsys):
        settings.METEROPS_KEY_ENCRYPTION_KEY = "not-the-secret-the-source-ran-with"
        differences = compare(source, capsys)
        assert differences.startswith("vending_token: vending key VKRN 43 of unit")
        assert "cannot be opened" in differences

    def test_the_secret_and_its_predecessor_after_a_rotation_pass(self, source, settings, capsys):
        settings.METEROPS_KEY_ENCRYPTION_KEY_PREVIOUS = [settings.METEROPS_KEY_ENCRYPTION_KEY]
        settings.METEROPS_KEY_ENCRYPTION_KEY = "the-next-secret"
        assert compare(source, capsys) == ""

    def test_migrations_of_the_test_database_match_the_code(self, db, capsys):
        call_command("restore_check", migrations=True)
        assert "Migrations match the code." in capsys.readouterr().out

    def test_manifest_without_the_source_secret_is_refused(self, cast, tmp_path, settings):
        store_test_keys(cast.region)
        old_key_meter(cast.sp_a, vkrn=43, key_revision=2)
        settings.METEROPS_KEY_ENCRYPTION_KEY = "not-the-secret-the-keys-were-sealed-with"
        with pytest.raises(CommandError, match="Vending key VKRN 43 of unit 50000"):
            call_command("restore_check", write_manifest=str(tmp_path / "manifest.json"))
