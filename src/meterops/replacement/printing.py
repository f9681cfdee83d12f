"""Cetak PK as the user meets it: one press prints once, and its paper can be fetched again.

``services.print_work_orders`` numbers and counts the work orders; here a press of the button
becomes a ``PrintBatch``, so the PDF is a GET of that batch (downloading it again is not a
reprint) and the same form sent twice finds the batch it already printed (issue #20)."""

import hashlib

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet

from meterops.core.models import User
from meterops.core.services import require_role

from .models import PrintBatch, ReplacementTarget, WorkOrder, WorkOrderPrint
from .queries import work_orders_for
from .services import PRINTER_ROLES, print_work_orders


def request_key(form_key: str, targets: list[ReplacementTarget]) -> str:
    """The form's one-time key with the targets it selected: a resend of the same form with
    the same ticks repeats the request; other ticks on the same form are a new one."""
    if not form_key:
        return ""
    selection = ",".join(str(pk) for pk in sorted(target.pk for target in targets))
    return hashlib.sha256(f"{form_key}:{selection}".encode()).hexdigest()


def print_batch(
    *, targets: list[ReplacementTarget], actor: User, key: str = ""
) -> tuple[PrintBatch, bool]:
    """Cetak PK (seed 000) once per request ``key``: the batch, and whether this call printed it
    (False when the same request was printed already, e.g. by a double click)."""
    require_role(actor, PRINTER_ROLES)
    try:
        return _print_batch(targets, actor, key), True
    except IntegrityError:
        # The batch row is written first, so a second identical request waits on its key
        # until the first commits and then lands here, having printed nothing.
        earlier = PrintBatch.objects.filter(printed_by=actor, request_key=key).first()
        if not key or earlier is None:
            raise
        return earlier, False


@transaction.atomic
def _print_batch(targets, actor, key: str) -> PrintBatch:
    batch = PrintBatch.objects.create(printed_by=actor, request_key=key)
    work_orders = print_work_orders(targets=targets, actor=actor)
    WorkOrderPrint.objects.bulk_create(
        WorkOrderPrint(batch=batch, work_order=work_order, copy=work_order.print_count)
        for work_order in work_orders
    )
    return batch


def batch_for(user: User, pk: int) -> PrintBatch | None:
    """A batch is its printer's own: another user reprints from Monitoring Cetak PK."""
    return PrintBatch.objects.filter(pk=pk, printed_by=user).first()


def batch_work_orders(user: User, batch: PrintBatch) -> QuerySet[WorkOrder]:
    """The batch's work orders the user may still see, each with ``copy`` as that paper read."""
    return (
        work_orders_for(user)
        .filter(prints__batch=batch)
        .annotate(copy=F("prints__copy"))
        .order_by("number")
    )
