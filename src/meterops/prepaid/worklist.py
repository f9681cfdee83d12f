"""Prepaid's source of the field app's work list (``core.worklist``), registered in apps.py.

Seed 002, 2.1-2.3 step 5: once the tokens are generated, "setting KCT dll, cetak PK dan
penyambungan di lapangan". The PK the office gave an officer goes to his phone with what the
printed PK carries (``documents.prepaid_applications.work_order_pdf``): the applicant, the
meter to install, the tokens to enter in order, and what to record. PDL stays office work.
"""

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils.translation import gettext as _

from meterops.core.models import ProcessEvent
from meterops.core.worklist import WorkItem, WorkQuery
from meterops.customers.queries import current_meters, with_current_meter

from .choices import TokenStatus
from .models import IssuedToken, ServiceRequest
from .queries import field_installations_for

# The verb assign_work_order records: when the PK reached the officer.
ASSIGNED_VERB = "prepaid.work_order_assigned"


def to_record() -> list[str]:
    """What the realisation takes, as the web form (``forms.InstallationForm``) asks it."""
    return [
        _("Tanggal pasang"),
        _("Foto BA pasang yang sudah ditandatangani"),
        _("Foto SPJBTL yang sudah ditandatangani"),
        _("Foto pemasangan (boleh kosong)"),
    ]


def _title(request: ServiceRequest) -> str:
    if request.kept_meter_id:
        return _("%(kind)s: token ke meter terpasang") % {"kind": request.get_kind_display()}
    return _("%(kind)s: pasang meter prabayar") % {"kind": request.get_kind_display()}


def _token_out(token: IssuedToken) -> dict:
    return {
        "sequence": token.sequence,
        "kind": token.kind,
        "label": str(token.get_kind_display()),
        "token": token.display(),
        "kwh": str(token.kwh) if token.kwh is not None else None,
    }


INSTALLATIONS = WorkQuery("prepaid", field_installations_for)


def prepaid_installations(user, since=None) -> list[WorkItem]:
    """PKs pemasangan assigned to this officer and not realised yet (seed 002, Bab 2 step 5):
    the meter to install (or, for a PD keeping its meter, that meter), the KCTs then the stroom
    awal in 4-digit groups, the meter to take down if the customer still has one, and what to
    record. Three queries whatever the number of PKs; with ``since`` only those changed after it."""
    assigned_at = ProcessEvent.objects.filter(
        process=OuterRef("process"), verb=ASSIGNED_VERB
    ).order_by("-at")
    requests = list(
        INSTALLATIONS.changed_since(user, since)
        .select_related("customer", "meter", "kept_meter")
        .annotate(assigned_at=Subquery(assigned_at.values("at")[:1]))
        .prefetch_related(
            Prefetch(
                "tokens",
                queryset=IssuedToken.objects.exclude(status=TokenStatus.VOIDED).order_by(
                    "sequence"
                ),
                to_attr="live_tokens",
            ),
            current_meters("customer__meters"),
        )
        .order_by("created_at", "id")[:500]
    )
    items = []
    for request in requests:
        customer = with_current_meter(request.customer)
        meter = request.bound_meter
        in_place = customer.current_meter_row
        items.append(
            WorkItem(
                kind="prepaid",
                id=request.pk,
                reference=request.request_number,
                title=_title(request),
                state=request.state,
                state_label=str(request.get_state_display()),
                version=request.updated_at,
                assigned_at=request.assigned_at,
                customer=customer,
                detail={
                    "request_kind": request.kind,
                    "request_kind_label": str(request.get_kind_display()),
                    "product_label": str(request.get_product_display()),
                    "applicant_name": request.applicant_name,
                    "address": request.address,
                    "tariff": request.tariff,
                    "power_va": request.power_va,
                    "meter_number": meter.meter_number,
                    "meter_brand": meter.brand,
                    "meter_model": meter.model,
                    "meter_serial": meter.serial_number,
                    "keeps_installed_meter": request.kept_meter_id is not None,
                    "meter_to_remove": (
                        in_place.meter_number
                        if in_place is not None and in_place.meter_number != meter.meter_number
                        else None
                    ),
                    "tokens": [_token_out(token) for token in request.live_tokens],
                    # A Penyambungan Sementara's end: the phone refuses a later installation
                    # date before queueing, as record_installation will (issue #20).
                    "ends_on": request.ends_on.isoformat() if request.ends_on else None,
                    "to_record": to_record(),
                },
            )
        )
    return items
