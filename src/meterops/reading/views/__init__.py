"""Pages of the reading domain (ACMT): readings and their verification in ``readings``,
Pengesahan and Rekap in ``approval``. Audit Baca Meter and Scorecard are fieldwork's pages.
"""

from .approval import (
    RECAP_ROLES,
    approval,
    approval_approve,
    approval_cancel,
    customer_readings,
    posting_download,
    posting_taken,
    recap,
    recap_detail,
)
from .readings import (
    reading_day_list,
    reading_settings,
    route_detail,
    upload,
    verification,
    verification_action,
)

__all__ = [
    "RECAP_ROLES",
    "approval",
    "approval_approve",
    "approval_cancel",
    "customer_readings",
    "posting_download",
    "posting_taken",
    "reading_day_list",
    "reading_settings",
    "recap",
    "recap_detail",
    "route_detail",
    "upload",
    "verification",
    "verification_action",
]
