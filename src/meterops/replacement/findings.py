"""Broken meters other domains find become HOME targets (issue #23): an ACMT reading with an
LBKB code that says the meter is broken, a PLN 123 ticket resolved as a broken meter.

Each finding opens the customer's target through ``services.open_targets`` (the way Tambah Ex
DG and prepaid sampling open theirs), or joins the target already open, and is kept as a
``TargetOrigin``: the same reading or ticket never opens a second target, whether uploaded
again, sent twice or at the same moment. Readings arrive by upload batches, so this works on a
batch in a constant number of statements.
"""

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from meterops.core.choices import Domain
from meterops.core.models import ProcessEvent, User
from meterops.core.scoping import scoped
from meterops.customers.broken_meters import BrokenMeterReading, TargetLink
from meterops.customers.models import Customer

from .choices import TargetSource
from .models import DamageType, ReplacementTarget, TargetOrigin
from .services import DamageReport, open_targets

# The LBKB codes (reading migration 0002) that say the meter itself is broken, each with the
# damage type (replacement migration 0002) its target is reported as.
BROKEN_METER_LBKB = {"MR": "display-mati", "SR": "segel-rusak"}


def damage_type_code_for_anomaly(code: str) -> str | None:
    """The damage type a reading's LBKB code reports, or None when the code does not say the
    meter is broken. LBKB records "kelainan alat ukur dan pembatas (APP)" (seed 004 §II) and
    HOME keeps "Data TO LBKB" (seed 000); of the codes, MR (meter rusak / mati) and SR (segel
    rusak, a damage HOME's list names) are damage of the APP. The others (rumah kosong, meter
    buram, alamat tidak ditemukan, pintu terkunci, binatang galak, putus sementara) say why
    the meter was not read, not that it is broken."""
    return BROKEN_METER_LBKB.get(code)


def broken_meter_codes() -> frozenset[str]:
    """Every LBKB code ``damage_type_code_for_anomaly`` accepts, for a set-based filter."""
    return frozenset(BROKEN_METER_LBKB)


def _damage_types(codes: set[str]) -> dict[str, DamageType]:
    """The damage types by code; one the administrator has removed is made again (retired
    ones still name the damage: a finding is not an entry form)."""
    found = {d.code: d for d in DamageType.objects.filter(code__in=codes)}
    for code in codes - set(found):
        found[code] = DamageType.objects.create(code=code, name=code.replace("-", " ").title())
    return found


@transaction.atomic
def report_broken_meter_readings(*, actor: User, readings: list[BrokenMeterReading]) -> None:
    """Each reading whose LBKB code says the meter is broken opens its customer's HOME target,
    or joins the open one, once per reading (issue #23; ``damage_type_code_for_anomaly``)."""
    readings = [r for r in readings if damage_type_code_for_anomaly(r.anomaly_code)]
    if not readings:
        return
    types = _damage_types({damage_type_code_for_anomaly(r.anomaly_code) for r in readings})
    findings = {}
    for reading in readings:
        note = _("LBKB %(code)s %(label)s pada stan BLTH %(period)s") % {
            "code": reading.anomaly_code,
            "label": reading.anomaly_label,
            "period": reading.period,
        }
        report = DamageReport(
            damage_type=types[damage_type_code_for_anomaly(reading.anomaly_code)],
            notes=_("Dari baca meter: %(note)s") % {"note": note},
            reading_at_discovery=reading.register_kwh,
            source=TargetSource.FAULT,
            from_reading_anomaly=True,
        )
        key = (reading.customer_id, reading.period)
        findings[key] = (report, note)
    _record_findings(actor, Domain.READING, findings)


def target_for_finding(
    *, actor: User, customer: Customer, report: DamageReport, domain: str, key: str, record_id
) -> ReplacementTarget:
    """One finding of another domain (a ticket) opens the customer's target or joins the open
    one; the same finding again returns the same target (issue #23)."""
    note = _("%(domain)s %(key)s") % {"domain": Domain(domain).label, "key": key}
    findings = {(customer.pk, key): (report, note)}
    return _record_findings(actor, domain, findings, record_ids={key: record_id})[
        (customer.pk, key)
    ]


def _record_findings(actor, domain, findings, record_ids=None) -> dict:
    """Open or join the targets of ``findings`` ((customer pk, key) -> (report, note)) and keep
    each as a TargetOrigin; a few statements for the whole batch."""
    known = {
        (o.customer_id, o.key): o.target
        for o in TargetOrigin.objects.filter(
            domain=domain,
            customer_id__in={pk for pk, _key in findings},
            key__in={key for _pk, key in findings},
        ).select_related("target")
    }
    fresh = {k: v for k, v in findings.items() if k not in known}
    reports = {}
    for (pk, _key), (report, _note) in sorted(fresh.items()):
        reports.setdefault(pk, report)  # the earliest BLTH of a batch describes the target
    opened = open_targets(actor=actor, reports=reports)
    origins = []
    for (pk, key), (_report, note) in sorted(fresh.items()):
        target = opened.targets[pk]
        origins.append(
            TargetOrigin(
                target=target,
                customer_id=pk,
                domain=domain,
                key=key,
                record_id=(record_ids or {}).get(key),
                note=note[:160],
                opened_target=pk in opened.opened and reports[pk] is findings[(pk, key)][0],
            )
        )
        known[(pk, key)] = target
    # A concurrent write of the same finding made its row first: that one stands.
    TargetOrigin.objects.bulk_create(origins, ignore_conflicts=True)
    _record_joins([o for o in origins if not o.opened_target], actor)
    return known


def _record_joins(origins: list[TargetOrigin], actor) -> None:
    """The target's timeline shows each finding that joined it after it was opened."""
    ProcessEvent.objects.bulk_create(
        [
            ProcessEvent(
                process_id=o.target.process_id,
                customer_id=o.customer_id,
                unit_id=o.target.unit_id,
                domain=Domain.REPLACEMENT,
                verb="replacement.finding_linked",
                from_state=o.target.state,
                to_state=o.target.state,
                state_label=o.target.get_state_display(),
                actor=actor,
                note=o.note,
            )
            for o in origins
        ]
    )


def origin_url(origin: TargetOrigin) -> str:
    """The page of the finding a target came from: the customer's readings, or the ticket."""
    if origin.domain == Domain.READING:
        return reverse("reading:customer_readings", args=[origin.customer_id])
    if origin.domain == Domain.COMPLAINTS and origin.record_id:
        return reverse("complaints:ticket_detail", args=[origin.record_id])
    return ""


def target_links_of_readings(user, customer, periods: list[str]) -> dict[str, TargetLink]:
    """The target each of the customer's readings (by BLTH) opened or joined, in the user's
    scope (Cek Status Terakhir, issue #23)."""
    origins = TargetOrigin.objects.filter(
        customer=customer,
        domain=Domain.READING,
        key__in=periods,
        target__in=scoped(ReplacementTarget, user),
    ).select_related("target")
    return {
        o.key: TargetLink(
            reference=o.target.reference,
            state_label=o.target.get_state_display(),
            url=reverse("replacement:target_detail", args=[o.target_id]),
        )
        for o in origins
    }
