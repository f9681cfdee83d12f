"""Pages of the supervision of field work: reading audits and scorecards, orders (the one state
machine), route updating, schedules and targets per officer, notice campaigns and arrears
enforcement, one module each.
"""

from .arrears import (
    arrears_action,
    arrears_export,
    arrears_list,
    closed_house_notices,
    signer_list,
    signer_retire,
)
from .notices import (
    campaign_detail,
    campaign_list,
)
from .orders import (
    PAGE_SIZE,
    RECORD_FORMS,
    SUPERVISORS,
    order_detail,
    order_fail,
    order_list,
    order_photo,
    order_to_target,
    order_verify,
    orders_assign,
    prepaid_sampling,
)
from .plans import (
    officer_plan,
    visit_list_print,
)
from .routes import (
    STATE_COLOURS,
    route_map,
    route_update,
    route_update_action,
)
from .supervision import (
    audit_detail,
    audit_issue_orders,
    audit_list,
    scorecard,
)

__all__ = [
    "PAGE_SIZE",
    "RECORD_FORMS",
    "STATE_COLOURS",
    "SUPERVISORS",
    "arrears_action",
    "arrears_export",
    "arrears_list",
    "audit_detail",
    "audit_issue_orders",
    "audit_list",
    "campaign_detail",
    "campaign_list",
    "closed_house_notices",
    "officer_plan",
    "order_detail",
    "order_fail",
    "order_list",
    "order_photo",
    "order_to_target",
    "order_verify",
    "orders_assign",
    "prepaid_sampling",
    "route_map",
    "route_update",
    "route_update_action",
    "scorecard",
    "signer_list",
    "signer_retire",
    "visit_list_print",
]
