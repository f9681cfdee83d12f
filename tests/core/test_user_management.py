"""Who may act on whom (issue #17): every user-management action × actor × target.

An admin manages a user only if it may grant every role the user holds and the user's whole
reach (its unit and below, or a contractor user's placements) lies inside the admin's own. A
contractor admin manages only its own contractor's staff, and only their device tokens.

The cast: UID > UP3 A (ULP A1, A2) and UP3 B (ULP B1). "Shared" is a contractor working for
both UP3s; contractor A works for UP3 A only.
"""

import pytest
from django.urls import reverse

from meterops.api.models import DeviceToken
from meterops.api.services import issue_token
from meterops.core.choices import RoleCode
from meterops.core.models import User
from meterops.core.scoping import scoped
from meterops.customers.models import Customer
from tests.factories import ContractorFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

R = RoleCode
PLN_STAFF = [R.UNIT_ADMIN, R.SUPERVISOR, R.FIELD_OFFICER]

# actor -> (placement, roles); a placement is ("unit", unit) or (contractor, [units])
ACTORS = {
    "admin": None,  # the cast's Administrator of the UID
    "up3_admin": (("unit", "area_a"), PLN_STAFF),
    "ulp_admin": (("unit", "sp_a"), PLN_STAFF),
    "contractor_admin": (("shared", ["area_a"]), [R.CONTRACTOR_ADMIN]),
}

TARGETS = {
    "supervisor_ulp_a": (("unit", "sp_a"), [R.SUPERVISOR]),
    "officer_ulp_a": (("unit", "sp_a"), [R.FIELD_OFFICER]),
    "approver_ulp_a": (("unit", "sp_a"), [R.SUPERVISOR, R.READING_APPROVER]),
    "administrator_ulp_a": (("unit", "sp_a"), [R.ADMIN]),
    "supervisor_up3_a": (("unit", "area_a"), [R.SUPERVISOR]),
    "supervisor_ulp_b": (("unit", "sp_b"), [R.SUPERVISOR]),
    "shared_officer_up3_a": (("shared", ["area_a"]), [R.FIELD_OFFICER]),
    "shared_officer_ulp_a": (("shared", ["sp_a"]), [R.FIELD_OFFICER]),
    "shared_approver_up3_a": (("shared", ["area_a"]), [R.SUPERVISOR, R.READING_APPROVER]),
    "shared_officer_up3_b": (("shared", ["area_b"]), [R.FIELD_OFFICER]),
    "shared_officer_both": (("shared", ["area_a", "area_b"]), [R.FIELD_OFFICER]),
    "contractor_a_officer": (("contractor_a", ["area_a"]), [R.FIELD_OFFICER]),
}

# actor -> the targets it may manage; every other pair is refused.
MANAGES = {
    "admin": set(TARGETS),
    "up3_admin": {
        "supervisor_ulp_a",
        "officer_ulp_a",
        "supervisor_up3_a",
        "shared_officer_up3_a",
        "shared_officer_ulp_a",
        "contractor_a_officer",
    },
    "ulp_admin": {"supervisor_ulp_a", "officer_ulp_a", "shared_officer_ulp_a"},
    "contractor_admin": {"shared_officer_up3_a", "shared_officer_ulp_a"},
}
USER_PAGE_ACTORS = {"admin", "up3_admin", "ulp_admin"}  # a contractor admin has no user pages


def _placement(cast, spec):
    kind, where = spec
    if kind == "unit":
        return {"unit": getattr(cast, where)}
    contractor = cast.shared if kind == "shared" else getattr(cast, kind)
    return {"contractor": contractor, "placed_units": [getattr(cast, u) for u in where]}


@pytest.fixture
def world(cast):
    cast.shared = ContractorFactory(
        code="VND-S", name="PT Mitra Bersama", units=[cast.area_a, cast.area_b]
    )
    actors = {"admin": cast.admin}
    for name, spec in ACTORS.items():
        if spec is not None:
            actors[name] = UserFactory(
                username=f"aktor.{name}", roles=spec[1], **_placement(cast, spec[0])
            )
    targets = {
        name: UserFactory(username=f"sasaran.{name}", roles=roles, **_placement(cast, spec))
        for name, (spec, roles) in TARGETS.items()
    }
    return cast, actors, targets


def _state(user):
    user = User.objects.get(pk=user.pk)
    return (
        user.password,
        user.is_active,
        user.first_name,
        user.unit_id,
        user.contractor_id,
        sorted(user.role_codes),
        sorted(user.placed_units.values_list("pk", flat=True)),
    )


def _form_data(user, **changes):
    data = {
        "first_name": user.first_name,
        "roles": sorted(user.role_codes),
        "unit": user.unit_id or "",
        "contractor": user.contractor_id or "",
        "placed_units": list(user.placed_units.values_list("pk", flat=True)),
    }
    return data | changes


def _edit(client, user):
    return client.post(
        reverse("core:user_edit", args=[user.pk]), _form_data(user, first_name="Diubah")
    )


def _reset_password(client, user):
    return client.post(
        reverse("core:user_reset_password", args=[user.pk]),
        {"password1": "reset-baru-2026", "password2": "reset-baru-2026"},
    )


def _deactivate(client, user):
    return client.post(reverse("core:user_set_active", args=[user.pk]), {"active": "0"})


def _reactivate(client, user):
    return client.post(reverse("core:user_set_active", args=[user.pk]), {"active": "1"})


def _revoke_token(client, user):
    token, _raw = issue_token(user=user, device_name="HP sasaran")
    answer = client.post(reverse("mobile:token_revoke", args=[token.pk]))
    answer.revoked = DeviceToken.objects.get(pk=token.pk).revoked_at is not None
    return answer


ACTIONS = {
    "edit": (_edit, lambda user: user.first_name == "Diubah"),
    "reset_password": (_reset_password, lambda user: user.check_password("reset-baru-2026")),
    "deactivate": (_deactivate, lambda user: not user.is_active),
    "reactivate": (_reactivate, lambda user: user.is_active),
    "revoke_token": (_revoke_token, None),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("actor", sorted(ACTORS))
def test_who_may_act_on_whom(world, client_for, actor, target, action):
    _cast, actors, targets = world
    user = targets[target]
    if action == "reactivate":
        User.objects.filter(pk=user.pk).update(is_active=False)
    before = _state(user)
    act, done = ACTIONS[action]
    answer = act(client_for(actors[actor]), user)
    allowed = target in MANAGES[actor] and (action == "revoke_token" or actor in USER_PAGE_ACTORS)
    if allowed:
        assert answer.status_code == 302, f"{actor} {action} {target}: {answer.status_code}"
        if action == "revoke_token":
            assert answer.revoked
        else:
            assert done(User.objects.get(pk=user.pk)), f"{actor} {action} {target}"
    else:
        assert answer.status_code in {403, 404}, f"{actor} {action} {target}"
        assert _state(user) == before, f"{actor} {action} {target} changed the user"
        if action == "revoke_token":
            assert not answer.revoked, f"{actor} revoked a token of {target}"


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("actor", sorted(ACTORS))
def test_who_may_create_whom(world, client_for, actor, target):
    """Creating a user is allowed exactly when the actor could manage the user it creates."""
    cast, actors, _targets = world
    spec, roles = TARGETS[target]
    placement = _placement(cast, spec)
    username = f"baru.{target}"
    answer = client_for(actors[actor]).post(
        reverse("core:user_create"),
        {
            "username": username,
            "password": "kuat-sekali-2026",
            "roles": roles,
            "unit": placement["unit"].pk if "unit" in placement else "",
            "contractor": placement["contractor"].pk if "contractor" in placement else "",
            "placed_units": [u.pk for u in placement.get("placed_units", [])],
        },
    )
    allowed = target in MANAGES[actor] and actor in USER_PAGE_ACTORS
    created = User.objects.filter(username=username).first()
    if allowed:
        assert answer.status_code == 302, f"{actor} creates {target}: {answer.status_code}"
        assert sorted(created.role_codes) == sorted(roles)
    else:
        assert answer.status_code in {200, 403}, f"{actor} creates {target}"
        assert created is None, f"{actor} created {target}"


@pytest.mark.parametrize("actor", sorted(USER_PAGE_ACTORS))
def test_user_list_holds_exactly_the_manageable_users(world, client_for, actor):
    _cast, actors, targets = world
    page = client_for(actors[actor]).get(reverse("core:user_list"), {"q": "sasaran."})
    listed = {user.username for user in page.context["page"]}
    assert listed == {targets[name].username for name in MANAGES[actor]}


@pytest.mark.parametrize("actor", sorted(ACTORS))
def test_token_list_holds_exactly_the_manageable_users_tokens(world, client_for, actor):
    _cast, actors, targets = world
    for user in targets.values():
        issue_token(user=user, device_name=f"HP {user.username}")
    page = client_for(actors[actor]).get(reverse("mobile:token_list"), {"q": "sasaran."})
    listed = {token.user.username for token in page.context["page"]}
    assert listed == {targets[name].username for name in MANAGES[actor]}


def test_a_contractor_user_reads_only_the_up3_it_is_placed_in(world):
    cast, _actors, targets = world
    own = CustomerFactory(unit=cast.sp_a)
    other = CustomerFactory(unit=cast.sp_b)
    seen = set(scoped(Customer, targets["shared_officer_up3_a"]).values_list("pk", flat=True))
    assert own.pk in seen and other.pk not in seen
    both = set(scoped(Customer, targets["shared_officer_both"]).values_list("pk", flat=True))
    assert {own.pk, other.pk} <= both
