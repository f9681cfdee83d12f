"""The vending keys' codes (seed 003, docs/KEYCHANGE.md) and STS algorithm choices."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VkrnCode(models.IntegerChoices):
    """The utility's code for a vending key (seed 003): 41/42 the old keys, 43 the KRN-2 key."""

    OLD_41 = 41, _("41 (kunci lama)")
    OLD_42 = 42, _("42 (kunci lama)")
    NEW_43 = 43, _("43 (KRN-2)")


# A meter's key is its VKRN (seed 003): "KRN = 1 STS / VKRN = 41 dan KRN = 2 / VKRN = 42" are the
# old keys, "KRN = 2 STS / VKRN = 43" the new one. The KRN alone does not tell 42 from 43.
OLD_VKRN = (VkrnCode.OLD_41, VkrnCode.OLD_42)
NEW_VKRN = VkrnCode.NEW_43
KRN_OF_VKRN = {VkrnCode.OLD_41: 1, VkrnCode.OLD_42: 2, VkrnCode.NEW_43: 2}


def key_revision_of(vkrn: int) -> int:
    """The KRN a meter on ``vkrn`` holds (seed 003: 41 is KRN 1, 42 and 43 are KRN 2)."""
    return KRN_OF_VKRN[VkrnCode(vkrn)]


class KeyGeneration(models.TextChoices):
    DKGA02 = "02", "DKGA02"
    DKGA04 = "04", "DKGA04"


class Encryption(models.TextChoices):
    STA = "07", "STA (EA07)"
    DEA = "09", "DEA (EA09)"
    MISTY1 = "11", "MISTY1 (EA11)"


class BaseDateYear(models.IntegerChoices):
    Y1993 = 1993, "1993"
    Y2014 = 2014, "2014"
    Y2035 = 2035, "2035"
