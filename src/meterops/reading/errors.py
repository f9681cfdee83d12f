"""Refusals of the reading rules (seed 001, 004), each a kind of core.errors."""

from django.utils.translation import gettext_lazy as _

from meterops.core.errors import InvalidInput, WrongState


class ReadingLocked(WrongState):
    code = "reading_locked"
    message = _("Stan sudah disahkan: batalkan pengesahan dulu sebelum mengubahnya.")


class ReadingDayIncomplete(WrongState):
    code = "reading_day_incomplete"


class NothingToDo(WrongState):
    """No reading is in the state the action needs."""

    code = "reading_nothing_to_do"


class PostingTaken(WrongState):
    code = "reading_posting_taken"
    message = _("Posting sudah diunduh atau diambil AP2T: pengesahan tidak dapat dibatalkan lagi.")


class InvalidRoute(InvalidInput):
    code = "reading_invalid_route"


class PostingNotPulled(WrongState):
    code = "reading_posting_not_pulled"
    message = _("Posting belum pernah diunduh AP2T.")
