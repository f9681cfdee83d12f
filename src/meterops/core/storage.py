"""Where collected static files live in production (settings.STORAGES)."""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage


class HashedStaticStorage(ManifestStaticFilesStorage):
    """Static files named by their content's hash, so nginx may cache them for a year.

    Not strict: a file missing from the manifest is linked by its plain name (an hour's cache)
    instead of failing the page that names it."""

    manifest_strict = False
