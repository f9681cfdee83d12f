"""What the restore drill records on the source database and checks on its restored copy.

``manage.py restore_check --write-manifest FILE`` writes, per check, what it recorded;
``--compare FILE`` recomputes each on the restored database and lists every difference
(docs/DEPLOY.md, "Backup and restore"). Core's checks know no domain: row counts of every
table, files referenced by rows, and the timeline of one customer. A domain adds its own in
``ready()`` (vending: a stored key still makes a token the meter accepts), so core never
imports it.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import connection, models
from django.db.migrations.loader import MigrationLoader
from django.db.models import Count

from .models import ProcessEvent

# Files hashed per file field: enough to see that the archive holds the bytes the rows name,
# without reading every photo of a production store.
FILES_PER_FIELD = 3


@dataclass(frozen=True)
class RestoreCheck:
    name: str
    record: Callable[[], object]  # () -> JSON-ready value
    compare: Callable[[object], list[str]]  # (recorded value) -> differences, in words


RESTORE_CHECKS: list[RestoreCheck] = []


def register_restore_check(check: RestoreCheck) -> None:
    if all(c.name != check.name for c in RESTORE_CHECKS):
        RESTORE_CHECKS.append(check)


def restore_checks() -> list[RestoreCheck]:
    """Core's checks first: the counts are taken before any other check reads or writes."""
    return [*CORE_CHECKS, *RESTORE_CHECKS]


def write_manifest() -> dict[str, object]:
    return {check.name: check.record() for check in restore_checks()}


def compare_manifest(manifest: dict[str, object]) -> list[str]:
    differences = []
    for check in restore_checks():
        if check.name not in manifest:
            differences.append(f"{check.name}: missing from the manifest")
            continue
        differences += [f"{check.name}: {d}" for d in check.compare(manifest[check.name])]
    return differences


def _tables() -> list[str]:
    """Every table of an installed model, many-to-many tables included, once each."""
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return sorted(tables)


def count_rows() -> dict[str, int]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        counts = {}
        for table in [*_tables(), "django_migrations"]:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (table names)
            counts[table] = cursor.fetchone()[0]
    return counts


def compare_counts(recorded: dict[str, int]) -> list[str]:
    now = count_rows()
    return [
        f"{table}: {recorded.get(table, 'no table')} rows before, {now.get(table, 'no table')} now"
        for table in sorted(set(recorded) | set(now))
        if recorded.get(table) != now.get(table)
    ]


def _file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    return [
        (model, field)
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    ]


def _sha256(name: str) -> str | None:
    if not default_storage.exists(name):
        return None
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(2**20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def record_files() -> dict[str, object]:
    """Per file field: how many rows name a file, how many of those files are missing, and
    the name and sha256 of the first few (photos, scans, uploaded spreadsheets)."""
    fields = {}
    for model, field in _file_fields():
        named = model._default_manager.exclude(**{field.name: ""}).exclude(
            **{f"{field.name}__isnull": True}
        )
        names = list(named.order_by("pk").values_list("pk", field.name))
        fields[f"{model._meta.label_lower}.{field.name}"] = {
            "rows": len(names),
            "missing": sum(not default_storage.exists(name) for _pk, name in names),
            "files": [
                {"pk": pk, "name": name, "sha256": _sha256(name)}
                for pk, name in names[:FILES_PER_FIELD]
            ],
        }
    return fields


def compare_files(recorded: dict[str, dict]) -> list[str]:
    now = record_files()
    differences = []
    for key in sorted(set(recorded) | set(now)):
        before, after = recorded.get(key), now.get(key)
        if before is None or after is None:
            differences.append(f"{key}: file field {'added' if before is None else 'gone'}")
            continue
        for part in ("rows", "missing"):
            if before[part] != after[part]:
                differences.append(f"{key}: {part} {before[part]} before, {after[part]} now")
        files_now = {f["pk"]: f for f in after["files"]}
        for file in before["files"]:
            again = files_now.get(file["pk"]) or _file_of(key, file["pk"])
            if again is None:
                differences.append(f"{key} row {file['pk']}: row gone")
            elif again["name"] != file["name"]:
                differences.append(
                    f"{key} row {file['pk']}: names {again['name']}, not {file['name']}"
                )
            elif again["sha256"] != file["sha256"]:
                # A file missing on the source too (counted in "missing") is no difference.
                state = "missing" if again["sha256"] is None else "differs"
                differences.append(f"{key} row {file['pk']}: file {file['name']} {state}")
    return differences


def _file_of(key: str, pk: int) -> dict | None:
    label, field_name = key.rsplit(".", 1)
    model = apps.get_model(label)
    name = model._default_manager.filter(pk=pk).values_list(field_name, flat=True).first()
    if name is None:
        return None
    return {"pk": pk, "name": name, "sha256": _sha256(name)}


def record_timeline() -> dict[str, object] | None:
    """The events of the customer with the most of them (time, kind, label, actor), oldest first."""
    busiest = (
        ProcessEvent.objects.values("customer")
        .annotate(n=Count("pk"))
        .order_by("-n", "customer")
        .values_list("customer", flat=True)
        .first()
    )
    if busiest is None:
        return None
    return {"customer": busiest, "events": _events_of(busiest)}


def _events_of(customer_pk: int) -> list[list[str]]:
    events = (
        ProcessEvent.objects.filter(customer_id=customer_pk)
        .order_by("at", "pk")
        .values_list("at", "verb", "state_label", "actor__username")
    )
    return [[at.isoformat(), verb, label, actor or ""] for at, verb, label, actor in events]


def compare_timeline(recorded: dict | None) -> list[str]:
    if recorded is None:
        return [] if record_timeline() is None else ["events now, none before"]
    customer = recorded["customer"]
    before, now = recorded["events"], _events_of(customer)
    if before == now:
        return []
    if len(before) != len(now):
        return [f"customer {customer}: {len(before)} events before, {len(now)} now"]
    first = next(i for i, (a, b) in enumerate(zip(before, now, strict=True)) if a != b)
    return [f"customer {customer}: event {first + 1} was {before[first]}, now {now[first]}"]


def migration_mismatch() -> tuple[list[str], list[str]]:
    """Migrations of the code the database lacks, and migrations the database has that the
    code does not know (a dump of a newer release)."""
    loader = MigrationLoader(connection)
    applied, on_disk = set(loader.applied_migrations), set(loader.disk_migrations)
    unapplied = sorted(f"{app}.{name}" for app, name in on_disk - applied)
    unknown = sorted(
        f"{app}.{name}" for app, name in applied - on_disk if app in loader.migrated_apps
    )
    return unapplied, unknown


CORE_CHECKS = (
    RestoreCheck("counts", count_rows, compare_counts),
    RestoreCheck("files", record_files, compare_files),
    RestoreCheck("timeline", record_timeline, compare_timeline),
)
