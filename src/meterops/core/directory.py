"""The customer master as the lower layers see it, registered by the customers app.

Cek Status Terakhir finds a customer by IDPEL, the dashboard counts customers per ULP and the
upload pipeline checks that an IDPEL is in the uploader's DIL; the customers app registers
these reads in its AppConfig.ready(), so neither core nor imports imports a domain.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet


@dataclass(frozen=True)
class CustomerDirectory:
    find: Callable[..., object | None]  # (user, customer_id) -> the customer in scope, or None
    # (user) -> ({unit pk: customers in scope}, when counted or None when counted now)
    count_by_unit: Callable[..., tuple[dict[int, int], datetime | None]]
    visible: Callable[..., QuerySet]  # (user or None) -> customers in scope; None: all of them


_directory: CustomerDirectory | None = None


def register_customer_directory(directory: CustomerDirectory) -> None:
    global _directory  # set once, from CustomersConfig.ready()
    _directory = directory


def customer_directory() -> CustomerDirectory:
    if _directory is None:
        raise LookupError("No customer directory registered: is meterops.customers installed?")
    return _directory
