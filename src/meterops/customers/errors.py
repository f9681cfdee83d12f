"""Errors of the customer master."""

from meterops.core.errors import DomainError


class MeterNotInstallable(DomainError):
    code = "meter_not_installable"
