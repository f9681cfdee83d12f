"""The meter swaps this domain records, offered to the reading of the period (issue #23).

Data APP Ganti (a HOME replacement, also one completed from the billing data) and a
Peremajaan Kumulatif row that swapped a meter without a HOME process (``meter_updated``) each
carry the old meter's final and the new meter's initial stan. Other Peremajaan rows swapped
nothing of their own: a confirmed or completed row is a HOME replacement already, a conflict
waits for review and changed no meter.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from meterops.customers.meter_swaps import SwapSource
from meterops.customers.models import Meter

from .choices import BillingOutcome
from .models import BillingReplacement, Replacement, ReplacementTarget, target_reference

HOME = "home"
BILLING = "billing"
METERS = Meter._meta.db_table


def _home_sql() -> str:
    return (
        "SELECT t.customer_id AS customer_id, rp.unit_id AS unit_id,"  # noqa: S608
        " rp.replaced_on AS replaced_on, rp.old_final_reading AS old_final_kwh,"
        f" rp.new_initial_reading AS new_initial_kwh, '{HOME}' AS source,"
        " rp.target_id AS reference_id,"
        f" COALESCE((SELECT m.multiplier FROM {METERS} m WHERE m.id = rp.old_meter_id), 1)"
        " AS old_multiplier"
        f" FROM {Replacement._meta.db_table} rp"
        f" JOIN {ReplacementTarget._meta.db_table} t ON t.id = rp.target_id"
    )


def _billing_sql() -> str:
    return (
        "SELECT b.customer_id, b.unit_id, b.replaced_on, b.old_final_reading,"  # noqa: S608
        f" b.new_initial_reading, '{BILLING}', b.id,"
        f" COALESCE((SELECT m.multiplier FROM {METERS} m WHERE m.customer_id = b.customer_id"
        " AND m.meter_number = b.old_meter_number ORDER BY m.id DESC LIMIT 1), 1)"
        f" FROM {BillingReplacement._meta.db_table} b"
        f" WHERE b.outcome = '{BillingOutcome.METER_UPDATED.value}'"
    )


HOME_SWAPS = SwapSource(
    code=HOME,
    label="HOME",
    sql=_home_sql(),
    url=lambda pk: reverse("replacement:target_detail", args=[pk]),
    reference=target_reference,
)
BILLING_SWAPS = SwapSource(
    code=BILLING,
    label="Peremajaan",
    sql=_billing_sql(),
    url=lambda pk: reverse("replacement:billing_detail", args=[pk]),
    reference=lambda pk: _("Peremajaan #%(pk)s") % {"pk": pk},
)
