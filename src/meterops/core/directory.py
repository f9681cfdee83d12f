"""The customer master as core's pages see it, registered by the customers app.

Cek Status Terakhir finds a customer by IDPEL and the dashboard counts customers per ULP; the
customers app registers both reads in its AppConfig.ready(), so core never imports a domain.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CustomerDirectory:
    find: Callable[..., object | None]  # (user, customer_id) -> the customer in scope, or None
    count_by_unit: Callable[..., dict[int, int]]  # (user) -> {unit pk: customers in scope}


_directory: CustomerDirectory | None = None


def register_customer_directory(directory: CustomerDirectory) -> None:
    global _directory  # set once, from CustomersConfig.ready()
    _directory = directory


def customer_directory() -> CustomerDirectory:
    if _directory is None:
        raise LookupError("No customer directory registered: is meterops.customers installed?")
    return _directory
