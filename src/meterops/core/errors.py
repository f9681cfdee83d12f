"""Errors a service raises when a rule of the documents forbids an action.

Every error is one of four kinds, and each app's ``errors.py`` derives from them:

- ``NotFound``: the object is outside the actor's units, so for them it does not exist (404);
- ``NotAllowed``: in reach, but the actor's role may not do this (403);
- ``WrongState``: the object's state (or the state of the data) refuses the action (409);
- ``InvalidInput``: a value the actor gave is wrong; ``field`` names it (422).

A view shows the message (``messages.error`` or a form error); uncaught, ``NotFound`` and
``NotAllowed`` are Django's ``Http404`` and ``PermissionDenied``, so a view that does not catch
them answers the 404 or 403 page. The API answers each kind with its ``status``.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "domain_error"
    message = _("Tindakan ini tidak dapat dilakukan.")
    status = 409

    def __init__(self, message=None, **extra):
        if message is not None:
            self.message = message
        self.extra = extra
        super().__init__(str(self.message))


class NotFound(DomainError, Http404):
    code = "not_found"
    message = _("Data tidak ditemukan di unit Anda.")
    status = 404


class NotAllowed(DomainError, PermissionDenied):
    code = "not_allowed"
    message = _("Anda tidak berhak melakukan tindakan ini.")
    status = 403


class WrongState(DomainError):
    code = "wrong_state"
    message = _("Status data tidak mengizinkan tindakan ini.")
    status = 409


class InvalidInput(DomainError):
    """``field`` names the input that is wrong, as a form or the API's request calls it."""

    code = "invalid"
    message = _("Isian tidak valid.")
    status = 422

    def __init__(self, field: str, message=None, **extra):
        super().__init__(message, field=field, **extra)
        self.field = field


class FileRejected(InvalidInput):
    """A photo or scan that is not what the rule asks for (kind, bytes, pixels)."""

    code = "file_rejected"

    def __init__(self, message, *, field: str = "file"):
        super().__init__(field, message)


class OpenProcessExists(WrongState):
    code = "open_process_exists"


class RoleNotGrantable(NotAllowed):
    code = "role_not_grantable"


class OutsideUnit(NotFound):
    code = "outside_unit"


class LockedOut(NotAllowed):
    """Too many failed logins for the username or the client address (issue #17): refused,
    even with the right password, until the cool-off ends; 429 as the login answers it."""

    code = "locked_out"
    status = 429
