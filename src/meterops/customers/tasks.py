"""Background work of the customer master, through the Tasks API only (any configured backend)."""

from django_tasks import task

from meterops.core.jobs import traced
from meterops.core.tallies import counted_at, just_counted

from .models import CustomerTally
from .services import count_customers_by_unit


@task()
@traced
def count_customers_by_unit_task() -> int:
    """Count the dashboard's customers per unit again, unless another run just did."""
    if just_counted(counted_at(CustomerTally.objects.all())):
        return 0
    return count_customers_by_unit()
