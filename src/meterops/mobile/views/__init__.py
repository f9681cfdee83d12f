"""Pages of the field app: its shell, manifest and service worker in ``app``; the admin's
page of device tokens in ``device_tokens``.
"""

from .app import (
    APP_VERSION,
    ASSETS,
    app,
    manifest,
    service_worker,
)
from .device_tokens import (
    token_list,
    token_revoke,
)

__all__ = [
    "APP_VERSION",
    "ASSETS",
    "app",
    "manifest",
    "service_worker",
    "token_list",
    "token_revoke",
]
