import json
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from meterops.core.restore import compare_manifest, migration_mismatch, write_manifest


class Command(BaseCommand):
    help = (
        "Restore drill (docs/DEPLOY.md): record the source database in a manifest, or compare "
        "a restored database with one, or check that the code's migrations match the database."
    )

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--write-manifest", metavar="FILE", help="record this database")
        mode.add_argument("--compare", metavar="FILE", help="compare this database with FILE")
        mode.add_argument(
            "--migrations",
            action="store_true",
            help="fail unless the database has exactly the code's migrations",
        )

    def handle(self, *args, write_manifest: str, compare: str, migrations: bool, **options):
        if migrations:
            self.check_migrations()
        elif write_manifest:
            self.write(Path(write_manifest))
        else:
            self.compare(Path(compare))

    def check_migrations(self):
        unapplied, unknown = migration_mismatch()
        problems = [f"not applied: {name}" for name in unapplied]
        problems += [f"applied but unknown to this code: {name}" for name in unknown]
        if problems:
            self.stderr.write("\n".join(problems))
            raise CommandError(f"{len(problems)} migrations differ between code and database.")
        self.stdout.write("Migrations match the code.")

    def write(self, path: Path):
        try:
            manifest = write_manifest()
        except ImproperlyConfigured as exc:
            raise CommandError(f"Cannot record this database: {exc}") from exc
        # The meter state inside is sealed, yet the file names rows: readable by its owner only.
        path.touch(mode=0o600)
        path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
        files = manifest["files"]
        hashed = sum(len(field["files"]) for field in files.values())
        self.stdout.write(
            f"Manifest {path}: {len(manifest['counts'])} tables, "
            f"{sum(manifest['counts'].values())} rows, {hashed} files hashed, "
            f"timeline of {len((manifest['timeline'] or {}).get('events', []))} events, "
            f"vending token {'checked' if manifest.get('vending_token') else 'NOT checked'}."
        )

    def compare(self, path: Path):
        try:
            manifest = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read the manifest {path}: {exc}") from exc
        differences = compare_manifest(manifest)
        if differences:
            self.stderr.write("\n".join(differences))
            raise CommandError(f"The restored database differs in {len(differences)} ways.")
        self.stdout.write(self.style.SUCCESS(f"Restored database matches {path}."))
