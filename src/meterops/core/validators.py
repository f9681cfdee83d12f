"""Formats every domain shares, kept in core so a core page can check them without a domain."""

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# A customer id (IDPEL) is 12 digits, the first five its ULP's code (DESIGN.md).
customer_id_validator = RegexValidator(
    r"^\d{12}$", _("IDPEL harus 12 digit angka."), code="invalid_customer_id"
)
