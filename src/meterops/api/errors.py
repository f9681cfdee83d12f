"""Refusals of the device API's own transport rules, beyond core's kinds."""

from django.utils.translation import gettext_lazy as _

from meterops.core.errors import WrongState


class ChunkOutOfOrder(WrongState):
    """A photo chunk that does not start where the server's copy ends; ``received`` says where."""

    code = "chunk_out_of_order"
    message = _("Potongan foto tidak di urutan yang ditunggu server.")
