"""Refusals of the reading rules, each with its Indonesian message."""

from django.utils.translation import gettext_lazy as _

from meterops.core.errors import DomainError


class NotAllowed(DomainError):
    code = "reading_not_allowed"
    message = _("Anda tidak berhak melakukan tindakan ini.")


class ReadingLocked(DomainError):
    code = "reading_locked"
    message = _("Stan sudah disahkan: batalkan pengesahan dulu sebelum mengubahnya.")


class ReadingDayIncomplete(DomainError):
    code = "reading_day_incomplete"


class NothingToDo(DomainError):
    code = "reading_nothing_to_do"


class PostingTaken(DomainError):
    code = "reading_posting_taken"
    message = _("Posting sudah diambil AP2T: pengesahan tidak dapat dibatalkan lagi.")


class InvalidRoute(DomainError):
    code = "reading_invalid_route"


class ImportRejected(DomainError):
    """The whole file is refused; ``errors`` holds every (row, column, message)."""

    code = "reading_import_rejected"
    message = _("File ditolak; tidak ada data yang disimpan. Perbaiki kesalahan berikut.")

    def __init__(self, errors: list[tuple[int, str, str]]):
        super().__init__(errors=errors)
        self.errors = errors
