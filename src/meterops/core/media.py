"""Stored media: unguessable names, served only through the views that scope them.

An outside security test (issue #17) found photos stored as ``<IDPEL>.jpg`` (with the EXIF GPS
position of the house) and served by nginx under ``/media/`` to anyone. Now every FileField
names its files ``RandomName``: a uuid4 in a month folder, nothing of the customer; and the
only way to a file is a view that first finds its row in the user's scope and then answers
with ``serve_file``: through nginx's internal location (``MEDIA_ACCEL_REDIRECT``) in
production, streamed by Django otherwise. There is no public media URL.
"""

import os
import shutil
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.encoding import iri_to_uri
from django.utils.http import content_disposition_header

# The kinds the app stores; any other extension is dropped, so a name never makes a browser
# or nginx treat a file as a page.
CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
}
SAFE_EXTENSIONS = frozenset(CONTENT_TYPES)


@deconstructible
class RandomName:
    """``upload_to`` of every FileField: ``<folder>/<yyyy>/<mm>/<uuid4 hex><ext>`` (issue #17).

    The uploaded file's name gives at most its extension: an IDPEL or a person's name in it
    never reaches the stored path.
    """

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        extension = PurePosixPath(filename).suffix.lower()
        if extension not in SAFE_EXTENSIONS:
            extension = ""
        return f"{self.folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"

    def __eq__(self, other) -> bool:
        return isinstance(other, RandomName) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)


def content_type_of(name: str) -> str:
    """The content type a stored file is served with, told by its (safe) extension only."""
    return CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")


def is_random_name(name: str) -> bool:
    stem = PurePosixPath(name).stem
    return len(stem) == 32 and all(c in "0123456789abcdef" for c in stem)


def serve_file(file, *, content_type: str, download_name: str = "") -> HttpResponse:
    """Answer with a stored file the calling view has already found in the user's scope:
    with ``MEDIA_ACCEL_REDIRECT`` set, an empty response whose X-Accel-Redirect header lets
    nginx send it from its internal location; otherwise Django streams it (issue #17)."""
    if not file:
        raise Http404
    prefix = settings.MEDIA_ACCEL_REDIRECT
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = iri_to_uri(f"{prefix.rstrip('/')}/{file.name}")
        if download_name:
            response["Content-Disposition"] = content_disposition_header(True, download_name)
    else:
        try:
            handle = file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        response = FileResponse(
            handle,
            content_type=content_type,
            as_attachment=bool(download_name),
            filename=download_name,
        )
    # No cache keeps a photo (it carries a customer's position): the answer is to a logged-in
    # user, so core.middleware.PrivateResponseMiddleware marks it no-store.
    return response


def rename_stored_files(apps, schema_editor, label: str, field: str, *, also=()) -> None:
    """For data migrations: give each stored file of ``label``.``field`` a random name.

    A deployed utility can stop and rerun it safely: per batch of rows, each file is linked
    (or copied) under its new name, the rows naming it are updated in one transaction, with
    the rows of ``also`` (``(label, field)`` pairs pointing at the same files, as an event's
    attachment points at its BA), and only after that commit is the old name removed. Rows
    already random, and rows whose file is missing, are left as they are. The migration that
    calls it is ``atomic = False``, so each batch commits on its own.
    """
    model = apps.get_model(label)
    using = schema_editor.connection.alias
    rows = model.objects.using(using).exclude(**{field: ""}).order_by()
    storage = model._meta.get_field(field).storage
    generate = model._meta.get_field(field).generate_filename
    # A name on several rows is updated on all of them at once (rare; the rest go by key).
    shared = set(
        rows.values(field).annotate(n=Count("pk")).filter(n__gt=1).values_list(field, flat=True)
    )
    last = 0
    while batch := list(rows.filter(pk__gt=last).order_by("pk").values_list("pk", field)[:1000]):
        last = batch[-1][0]
        keys: dict[str, list] = {}
        for pk, name in batch:
            if not is_random_name(name):
                keys.setdefault(name, []).append(pk)
        moves: dict[str, str] = {}
        try:
            for old in keys:
                if storage.exists(old):
                    moves[old] = _link(storage, old, generate(None, old))
            with transaction.atomic(using=using):
                for old, new in moves.items():
                    named = {field: old} if old in shared else {"pk__in": keys[old]}
                    rows.filter(**named).update(**{field: new})
                for other_label, other_field in also if moves else ():
                    other = apps.get_model(other_label).objects.using(using)
                    pointing = other.filter(**{f"{other_field}__in": list(moves)})
                    for pk, old in list(pointing.values_list("pk", other_field)):
                        other.filter(pk=pk).update(**{other_field: moves[old]})
        except BaseException:
            for new in moves.values():
                storage.delete(new)
            raise
        for old in moves:
            storage.delete(old)


def _link(storage, old: str, new: str) -> str:
    """A second name for the file: a hard link on the local disk, a copy elsewhere."""
    try:
        target = storage.path(new)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        try:
            os.link(storage.path(old), target)
        except OSError:
            shutil.copyfile(storage.path(old), target)
        return new
    except NotImplementedError:  # a storage without local paths (S3 and the like)
        with storage.open(old, "rb") as handle:
            return storage.save(new, handle)
