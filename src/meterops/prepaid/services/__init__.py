"""Writes of prepaid services, one function per rule of seed 002, in four modules:
applications (Bab 2), the meter stock they activate from, load profiles (Bab 3), token sales
(Bab 1) and the NFC counter (1.2-1.4). Import them from here.
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
    keep_card,
    record_nfc_transaction,
)
from .nfc_counter import CounterSale, counter_meter, sell_at_nfc_counter
from .stock import (
    STOCK_ROLES,
    load_meter_stock,
    meter_number_problem,
    unchangeable_stock_meters,
)
from .vending import MINIMUM_PURCHASE, sale_amounts, sale_key_for, vend_token

__all__ = [
    "FIELD_ROLES",
    "HISTORY_MONTHS",
    "LOAD_PROFILE_ROLES",
    "MINIMUM_PURCHASE",
    "OFFICE_ROLES",
    "STOCK_ROLES",
    "CounterSale",
    "activate_meter",
    "assign_work_order",
    "cancel_request",
    "check_temporary_end",
    "complete_request",
    "consumption_flags",
    "counter_meter",
    "fees_for",
    "import_load_profiles",
    "is_nfc_meter",
    "issue_request_tokens",
    "issue_tokens_for",
    "keep_card",
    "load_meter_stock",
    "may_keep_installed_meter",
    "meter_number_problem",
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
    "sell_at_nfc_counter",
    "unchangeable_stock_meters",
    "vend_token",
]
