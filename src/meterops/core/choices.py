from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitLevel(models.TextChoices):
    REGION = "region", _("UID")
    AREA = "area", _("UP3")
    SERVICE_POINT = "service_point", _("ULP")


class RoleCode(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    UNIT_ADMIN = "unit_admin", _("Admin Unit")
    SUPERVISOR = "supervisor", _("Pengawas")
    READING_APPROVER = "reading_approver", _("ADMIN_CMT / SPV TE")
    CONTRACTOR_ADMIN = "contractor_admin", _("Admin Vendor")
    FIELD_OFFICER = "field_officer", _("Petugas Lapangan")
    HELPDESK = "helpdesk", _("Helpdesk")
    CALL_CENTRE = "call_centre", _("CSO PLN 123")
    # An account of the billing system (AP2T) that pulls approved postings through the API.
    BILLING_SYSTEM = "billing_system", _("Sistem AP2T (API)")


class TimeZoneName(models.TextChoices):
    WIB = "Asia/Jakarta", _("WIB (UTC+7)")
    WITA = "Asia/Makassar", _("WITA (UTC+8)")
    WIT = "Asia/Jayapura", _("WIT (UTC+9)")


class Domain(models.TextChoices):
    """The domains that run customer processes; Cek Status Terakhir reads across all of them."""

    REPLACEMENT = "replacement", _("Ganti Meter (HOME)")
    READING = "reading", _("Baca Meter (ACMT)")
    FIELDWORK = "fieldwork", _("Pekerjaan Lapangan")
    PREPAID = "prepaid", _("Layanan Prabayar")
    KEYCHANGE = "keychange", _("Upgrade KRN")
    COMPLAINTS = "complaints", _("Pengaduan")
