"""Pages of the reading domain (ACMT): readings and their verification in ``readings``,
Pengesahan and Rekap in ``approval``, Audit Baca Meter and Scorecard in ``supervision``.
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
from .supervision import (
    PAGE_SIZE,
    audit_detail,
    audit_issue_orders,
    audit_list,
    scorecard,
)

__all__ = [
    "PAGE_SIZE",
    "RECAP_ROLES",
    "approval",
    "approval_approve",
    "approval_cancel",
    "audit_detail",
    "audit_issue_orders",
    "audit_list",
    "customer_readings",
    "posting_download",
    "posting_taken",
    "reading_day_list",
    "reading_settings",
    "recap",
    "recap_detail",
    "route_detail",
    "scorecard",
    "upload",
    "verification",
    "verification_action",
]
