"""The demo region: one UID, three UP3, nine ULP, three contractors and one user per role.

Demo passwords live here only; a real deployment creates its users through Manajemen Pengguna.
Each domain adds its own demo data with ``register_demo_builder`` in its AppConfig.ready();
``seed_demo`` builds the region, then runs the builders by ``order``: customers 10,
replacement 20, reading 30, prepaid 40, vending keys 50, keychange 55, fieldwork 60,
complaints 70 (each reads what the ones before it wrote, so the same ``--seed`` gives the same
data). The workflows are walked in the ULPs of ``DEMO_TEAMS``, one in each of two UP3s, so a
user of one sees none of the other's work.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw

from .choices import RoleCode, TimeZoneName, UnitLevel
from .models import Contractor, Role, Unit, UnitSettings, User

DEMO_PASSWORD = "meterops-demo"  # noqa: S105 - demo data only, printed for the demo users


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    abbreviation: str = ""
    latitude: float = 0.0
    longitude: float = 0.0


REGION = DemoUnit("53000", "UID JAWA BARAT")
AREAS: dict[DemoUnit, tuple[DemoUnit, ...]] = {
    DemoUnit("53550", "UP3 MAJALAYA"): (
        DemoUnit("53551", "ULP BALEENDAH", "BLD", -7.0006, 107.6270),
        DemoUnit("53552", "ULP MAJALAYA", "MJL", -7.0467, 107.7553),
        DemoUnit("53553", "ULP BANJARAN", "BJR", -7.0450, 107.5880),
    ),
    DemoUnit("53540", "UP3 BANDUNG"): (
        DemoUnit("53541", "ULP BANDUNG UTARA", "BDU", -6.8731, 107.6062),
        DemoUnit("53542", "ULP CIJAURA", "CJR", -6.9465, 107.6476),
        DemoUnit("53543", "ULP UJUNG BERUNG", "UJB", -6.9136, 107.7010),
    ),
    DemoUnit("53560", "UP3 CIMAHI"): (
        DemoUnit("53561", "ULP CIMAHI KOTA", "CMK", -6.8722, 107.5425),
        DemoUnit("53562", "ULP PADALARANG", "PDL", -6.8436, 107.4785),
        DemoUnit("53563", "ULP LEMBANG", "LMB", -6.8117, 107.6175),
    ),
}
SERVICE_POINTS = {sp.code: sp for sps in AREAS.values() for sp in sps}

CONTRACTORS = (
    ("CATER-MDR", "PT Cater Mandiri Sejahtera", ("53550",)),
    ("HARMET-JY", "PT Harmet Jaya Teknik", ("53540", "53560")),
    ("METER-PRM", "CV Meter Prima Lembang", ("53563",)),
)

# username, first name, last name, unit code or contractor code, roles
DEMO_USERS = (
    ("admin", "Admin", "UID Jabar", "53000", (RoleCode.ADMIN,)),
    (
        "admin.majalaya",
        "Rina",
        "Kusumawati",
        "53550",
        (RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR, RoleCode.HELPDESK),
    ),
    ("pengawas.baleendah", "Dedi", "Supriadi", "53551", (RoleCode.SUPERVISOR,)),
    ("spvte.baleendah", "Siti", "Nurhaliza", "53551", (RoleCode.READING_APPROVER,)),
    ("vendor.cater", "Agus", "Setiawan", "CATER-MDR", (RoleCode.CONTRACTOR_ADMIN,)),
    ("petugas.cater", "Ujang", "Saepudin", "CATER-MDR", (RoleCode.FIELD_OFFICER,)),
    ("helpdesk", "Wulan", "Pratiwi", "53000", (RoleCode.HELPDESK,)),
    ("cso123", "Yuni", "Lestari", "53000", (RoleCode.CALL_CENTRE,)),
    # The billing/payment side's API account: pulls postings, notifies payments (docs/API.md).
    ("ap2t.jabar", "AP2T", "Integrasi", "53000", (RoleCode.BILLING_SYSTEM,)),
    ("pengawas.cijaura", "Bambang", "Hermawan", "53542", (RoleCode.SUPERVISOR,)),
    ("petugas.harmet", "Asep", "Gunawan", "HARMET-JY", (RoleCode.FIELD_OFFICER,)),
)


@dataclass(frozen=True)
class DemoTeam:
    """A ULP where the demo walks each workflow through its states, and who does the work:
    its supervisor, a field officer of the contractor working there, and the manager who
    uploads the billing export (Peremajaan) for it."""

    unit: Unit
    supervisor: User
    officer: User
    manager: User


# ULP code, supervisor, field officer, manager: one ULP in UP3 MAJALAYA, one in UP3 BANDUNG.
DEMO_TEAMS = (
    ("53551", "pengawas.baleendah", "petugas.cater", "admin.majalaya"),
    ("53542", "pengawas.cijaura", "petugas.harmet", "admin"),
)


@dataclass(frozen=True)
class DemoBuilder:
    """One domain's demo data: ``build(units=, seed=, options=)`` writes it and returns a phrase
    saying what it made; ``present()``, if given, says the data is already there (--if-empty)."""

    order: int
    build: Callable[..., str]
    present: Callable[[], bool] | None = None


DEMO_BUILDERS: list[DemoBuilder] = []


def register_demo_builder(builder: DemoBuilder) -> None:
    if builder not in DEMO_BUILDERS:
        DEMO_BUILDERS.append(builder)


def demo_builders() -> list[DemoBuilder]:
    return sorted(DEMO_BUILDERS, key=lambda builder: builder.order)


@transaction.atomic
def build_region() -> dict[str, Unit]:
    """Create (or find) the demo units, contractors, settings and users; returns ULPs by code."""
    region = _unit(REGION, UnitLevel.REGION, None)
    UnitSettings.objects.get_or_create(
        unit=region,
        defaults={
            "time_zone": TimeZoneName.WIB,
            "contact_phone": "123",
            "contact_email": "uid.jabar@example.co.id",
            "contact_address": "Jl. Asia Afrika No. 63, Bandung",
        },
    )
    service_points = {}
    for area_spec, sp_specs in AREAS.items():
        area = _unit(area_spec, UnitLevel.AREA, region)
        for sp in sp_specs:
            service_points[sp.code] = _unit(sp, UnitLevel.SERVICE_POINT, area)
    units = {u.code: u for u in Unit.objects.all()}
    contractors = {}
    for code, name, unit_codes in CONTRACTORS:
        contractor, _ = Contractor.objects.get_or_create(code=code, defaults={"name": name})
        contractor.units.set([units[c] for c in unit_codes])
        contractors[code] = contractor
    for username, first, last, home, roles in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        user = User(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@example.co.id",
            unit=units.get(home),
            contractor=contractors.get(home),
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.roles.set(Role.objects.filter(code__in=roles))
        if user.contractor_id:
            user.placed_units.set(user.contractor.units.all())
    return service_points


def _unit(spec: DemoUnit, level: str, parent: Unit | None) -> Unit:
    unit, _ = Unit.objects.get_or_create(
        code=spec.code, defaults={"name": spec.name, "level": level, "parent": parent}
    )
    return unit


def demo_teams() -> list[DemoTeam]:
    """The teams of ``DEMO_TEAMS`` whose unit and users exist and are active."""
    users = User.objects.filter(is_active=True).in_bulk(
        [name for _code, *names in DEMO_TEAMS for name in names], field_name="username"
    )
    units = Unit.objects.in_bulk([code for code, *_names in DEMO_TEAMS], field_name="code")
    teams = []
    for code, *names in DEMO_TEAMS:
        people = [users.get(name) for name in names]
        if code in units and all(people):
            teams.append(DemoTeam(units[code], *people))
    return teams


def demo_photo(name: str, label: str = "", colour=(40, 90, 160)) -> SimpleUploadedFile:
    """A small real JPEG, as a phone would send it, for the demo's field photos."""
    image = Image.new("RGB", (640, 480), colour)
    if label:
        ImageDraw.Draw(image).text((20, 20), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, roles, unit) of each demo user that still exists."""
    rows = []
    for username, _first, _last, _home, _roles in DEMO_USERS:
        user = User.objects.filter(username=username).select_related("unit", "contractor").first()
        if user is not None:
            roles = ", ".join(str(RoleCode(c).label) for c in sorted(user.role_codes))
            rows.append((username, roles, str(user.organisation)))
    return rows
