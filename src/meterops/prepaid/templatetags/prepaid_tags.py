from decimal import Decimal

from django import template

from meterops.prepaid.services import rupiah as format_rupiah

register = template.Library()


@register.filter
def rupiah(amount) -> str:
    """Rp 1.650.000: thousands with dots, no decimals, as on PLN's slips."""
    if amount in (None, ""):
        return "-"
    return format_rupiah(Decimal(amount))
