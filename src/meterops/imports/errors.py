"""Refusals of the upload pipeline beyond core's kinds (seed 000, menu Upload)."""

from meterops.core.errors import WrongState


class DuplicateUpload(WrongState):
    """The same file (same hash) was uploaded before; nothing new would be made."""

    code = "upload_duplicate"


class UploadNotReady(WrongState):
    """The upload is not in a state that can be applied (not checked, failed, applied)."""

    code = "upload_not_ready"
