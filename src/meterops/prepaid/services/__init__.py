"""Writes of prepaid services, one function per rule of seed 002, in three modules:
applications (Bab 2), load profiles (Bab 3) and token sales (Bab 1). Import them from here.
"""

from .applications import (
    FIELD_ROLES,
    OFFICE_ROLES,
    activate_meter,
    assign_work_order,
    cancel_request,
    check_temporary_end,
    complete_request,
    fees_for,
    is_nfc_meter,
    issue_request_tokens,
    issue_tokens_for,
    may_keep_installed_meter,
    next_customer_id,
    next_request_number,
    nfc_mismatch_message,
    record_installation,
    record_payment,
    register_request,
    require_office_role,
)
from .load_profiles import (
    HISTORY_MONTHS,
    LOAD_PROFILE_ROLES,
    consumption_flags,
    import_load_profiles,
    record_nfc_transaction,
)
from .vending import MINIMUM_PURCHASE, sale_amounts, sale_key_for, vend_token

__all__ = [
    "FIELD_ROLES",
    "HISTORY_MONTHS",
    "LOAD_PROFILE_ROLES",
    "MINIMUM_PURCHASE",
    "OFFICE_ROLES",
    "activate_meter",
    "assign_work_order",
    "cancel_request",
    "check_temporary_end",
    "complete_request",
    "consumption_flags",
    "fees_for",
    "import_load_profiles",
    "is_nfc_meter",
    "issue_request_tokens",
    "issue_tokens_for",
    "may_keep_installed_meter",
    "next_customer_id",
    "next_request_number",
    "nfc_mismatch_message",
    "record_installation",
    "record_nfc_transaction",
    "record_payment",
    "register_request",
    "require_office_role",
    "sale_amounts",
    "sale_key_for",
    "vend_token",
]
