"""Errors a service raises when a rule of the documents forbids an action.

Views turn them into an Indonesian message; the API into a 409 with {code, message}.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "domain_error"
    message = _("Tindakan ini tidak dapat dilakukan.")

    def __init__(self, message=None, **extra):
        if message is not None:
            self.message = message
        self.extra = extra
        super().__init__(str(self.message))


class OpenProcessExists(DomainError):
    code = "open_process_exists"


class RoleNotGrantable(DomainError):
    code = "role_not_grantable"


class OutsideUnit(DomainError):
    code = "outside_unit"
