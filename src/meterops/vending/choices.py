"""The vending keys' codes (seed 003, docs/KEYCHANGE.md) and STS algorithm choices."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VkrnCode(models.IntegerChoices):
    """The utility's code for a vending key (seed 003): 41/42 the old keys, 43 the KRN-2 key."""

    OLD_41 = 41, _("41 (kunci lama)")
    OLD_42 = 42, _("42 (kunci lama)")
    NEW_43 = 43, _("43 (KRN-2)")


# Meter.key_revision <-> VKRN (docs/KEYCHANGE.md): KRN 1 is one of the old keys, KRN 2 is 43.
OLD_KEY_REVISION = 1
NEW_KEY_REVISION = 2
OLD_VKRN = (VkrnCode.OLD_41, VkrnCode.OLD_42)


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
