"""``{% load formats %}``: ``{{ amount|rupiah }}`` and ``{{ kwh|number }}`` (``core.formats``).

Only for text people read: never inside SVG attributes, data attributes or scripts, which
need the plain number.
"""

from django import template

from meterops.core import formats

register = template.Library()


@register.filter
def rupiah(amount) -> str:
    return formats.rupiah(amount)


@register.filter
def number(value, places=None) -> str:
    return formats.number(value, None if places is None else int(places))
