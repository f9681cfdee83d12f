"""Writes of the KRN-2 upgrade (seed 003): making a campaign and filling its Bank KCT in
``campaigns``; a target's life after that (assignment, confirmation, failure, regeneration) in
``targets``; correcting an officer's mistaken Berhasil or Gagal in ``corrections``; the
dashboard's meters per VKRN in ``tally``. Import them from here; the vending keys are
``meterops.vending``'s.
"""

from meterops.vending.services import KEY_ADMIN_ROLES

from .campaigns import (
    BATCH,
    CampaignFilter,
    eligible_meters,
    fill_campaign,
    generate_campaign,
    plan_campaign,
    resume_interrupted_campaigns,
    start_campaign_generation,
)
from .corrections import (
    CORRECTABLE_STATES,
    correct_confirmation,
    issue_correction_token,
    may_correct,
)
from .swaps import settle_targets_of_rekeyed_meters, settle_targets_of_swapped_meters
from .tally import (
    TALLY_FIELDS,
    count_meters_by_vkrn,
    prepaid_meters_by_vkrn,
    recount_if_stale,
    tally_is_fresh,
)
from .targets import (
    ASSIGNER_ROLES,
    DISPLAY_EDITOR_ROLES,
    PLANNER_ROLES,
    PROCESS_KIND,
    apply_new_key,
    assign_targets,
    confirm_by_zero_token,
    confirm_key_change,
    correct_meter_key_data,
    expected_display_for,
    issue_zero_token,
    pick_display_expectation,
    regenerate_kct,
    report_key_change_failure,
    save_display_expectation,
    zero_token_proves_new_key,
)

__all__ = [
    "ASSIGNER_ROLES",
    "BATCH",
    "CORRECTABLE_STATES",
    "DISPLAY_EDITOR_ROLES",
    "KEY_ADMIN_ROLES",
    "PLANNER_ROLES",
    "PROCESS_KIND",
    "TALLY_FIELDS",
    "CampaignFilter",
    "apply_new_key",
    "assign_targets",
    "confirm_by_zero_token",
    "confirm_key_change",
    "correct_confirmation",
    "correct_meter_key_data",
    "count_meters_by_vkrn",
    "eligible_meters",
    "expected_display_for",
    "fill_campaign",
    "generate_campaign",
    "issue_correction_token",
    "issue_zero_token",
    "may_correct",
    "pick_display_expectation",
    "plan_campaign",
    "prepaid_meters_by_vkrn",
    "recount_if_stale",
    "regenerate_kct",
    "report_key_change_failure",
    "resume_interrupted_campaigns",
    "save_display_expectation",
    "settle_targets_of_rekeyed_meters",
    "settle_targets_of_swapped_meters",
    "start_campaign_generation",
    "tally_is_fresh",
    "zero_token_proves_new_key",
]
