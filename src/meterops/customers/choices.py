from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentMode(models.TextChoices):
    POSTPAID = "postpaid", _("Pascabayar")
    PREPAID = "prepaid", _("Prabayar")


class RemovalReason(models.TextChoices):
    """Why a meter came out: a damaged one (HOME, seed 000) never goes in again."""

    DAMAGED = "damaged", _("Rusak")
    REPLACED = "replaced", _("Diganti")
    DISMANTLED = "dismantled", _("Bongkar rampung")


class Phase(models.IntegerChoices):
    SINGLE = 1, _("1 fasa")
    THREE = 3, _("3 fasa")


TARIFFS = (
    "R1",
    "R1M",
    "R1T",
    "R2",
    "R3",
    "B1",
    "B2",
    "B3",
    "I1",
    "I2",
    "I3",
    "P1",
    "P2",
    "P3",
    "S1",
    "S2",
    "S3",
    "L",
)
STANDARD_POWERS_VA = (
    450,
    900,
    1300,
    2200,
    3500,
    4400,
    5500,
    6600,
    7700,
    10600,
    11000,
    13200,
    16500,
    23000,
    33000,
    41500,
    53000,
    66000,
    82500,
    105000,
    131000,
    147000,
    164000,
    197000,
)
