"""Every URL carrying an object id gives users of another unit or contractor nothing (issue #17).

The URLs are not listed here: they come from the URL resolver and the API's OpenAPI schema,
so a new view is covered without a new test. The objects come from the demo (``seed_demo``),
which spreads every kind of record over the demo region. The outsiders are a UP3 and a
contractor of their own, with one user per role in each, holding no record of the demo.
For each pattern the superuser first finds an object it can open; then every outsider, and
an anonymous client, asks for it with GET and POST. Expected: 403 or 404 (401 / the login
page when anonymous), never a 200, and nothing written. A pattern for which no object can be
found fails the test: give the demo that kind of record, or name how to find it below.
"""

import json
import re
import uuid
from datetime import date
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from meterops.api.api import api
from meterops.api.services import issue_token, start_upload
from meterops.core.choices import RoleCode, UnitLevel
from meterops.core.models import Contractor, Role, Unit, User

pytestmark = pytest.mark.django_db

# Namespaces that are not the product's views: Django's admin (staff only, tested by Django),
# the captcha images (public by design, keyed by a random challenge).
OUTSIDE_THE_PRODUCT = ("admin/", "captcha/")
# Pages any visitor may open, with why.
PUBLIC = {
    "core:login": "the login page",
    "mobile:app": "the field app's shell: its data comes from the API, behind a token",
    "mobile:manifest": "the field app's web manifest",
    "mobile:service_worker": "the field app's service worker script",
    "api:health": "the liveness probe",
    "health": "the process's liveness probe (no database)",
    "ready": "the readiness probe (check results, a worker count and age: no data)",
    "metrics": "Prometheus' counters, for METRICS_ALLOWED_ADDRESSES only (others get a 404)",
    "api:login": "the field app's login",
    "api:openapi-json": "the API description (no data)",
    "api:openapi-view": "the API documentation page (no data)",
}
# Company-wide reference tables: one row serves every unit, so an Administrator of any unit
# edits it and nobody else does.
COMPANY_WIDE = {
    "keychange:display_edit": "Lampiran I, the 04-enter display per meter brand",
    "replacement:damage_type_set_active": "the list of damage types",
}
# Values for string parameters that name a variant, not an object.
VARIANTS = {"size": ["thumb", "full"], "field": ["photo", "signature"], "code": ["dil"]}
# Patterns the superuser cannot open (answered only to POST with no page of the same object to
# find an id on, or opened only by the officer the work is assigned to): where their object
# comes from (model label, a filter, and which field fills which parameter).
NAMED_SOURCES = {
    "keychange:confirmation_detail": (
        "keychange.CampaignTarget",
        {"assigned_to__isnull": False},
        {"pk": "pk"},
    ),
    "replacement:damage_type_set_active": ("replacement.DamageType", {}, {"pk": "pk"}),
    "mobile:token_revoke": ("api.DeviceToken", {"revoked_at__isnull": True}, {"pk": "pk"}),
    "fieldwork:signer_retire": ("fieldwork.NoticeSigner", {"is_active": True}, {"pk": "pk"}),
    "core:event_attachment": ("core.ProcessEvent", {"attachment__gt": ""}, {"pk": "pk"}),
    "replacement:print_batch_pdf": ("replacement.PrintBatch", {}, {"pk": "pk"}),
    "replacement:workorder_reprint": ("replacement.WorkOrder", {}, {"pk": "pk"}),
    "keychange:target_regenerate": (
        "keychange.CampaignTarget",
        {},
        {"pk": "campaign_id", "target_pk": "pk"},
    ),
}
# API path parameters: the model the id names, and the field that is the id.
API_SOURCES = {
    "customer_id": ("customers.Customer", "customer_id"),
    "upload_id": ("api.PhotoUpload", "pk"),
    "order_id": ("fieldwork.FieldOrder", "pk"),
    "target_id": ("keychange.CampaignTarget", "pk"),
    "reading_id": ("reading.Reading", "pk"),
    "application_id": ("prepaid.ServiceRequest", "pk"),
    "number": ("reading.BillingPosting", "number"),
}
PROBE_IDS = range(1, 13)
REFUSED = {403, 404}


# --- The world: the demo, and outsiders who hold none of it ---------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def build_world():
    restart_id_sequences()
    Role.objects.bulk_create([Role(code=code) for code in RoleCode.values], ignore_conflicts=True)
    call_command("seed_demo", customers=200, targets=12, verbosity=0)
    # A device token and a photo upload of a demo officer: the objects of the token pages and
    # of the API's photo calls, which the demo has no reason to make.
    demo_officer = User.objects.filter(roles__code=RoleCode.FIELD_OFFICER).first()
    issue_token(user=demo_officer)
    start_upload(user=demo_officer, client_id=uuid.uuid4(), file_name="rusak.jpg", size=4096)
    region = Unit.objects.get(level=UnitLevel.REGION)
    area = Unit.objects.create(code="59000", name="UP3 LUAR", level=UnitLevel.AREA, parent=region)
    service_point = Unit.objects.create(code="59001", name="ULP LUAR", parent=area)
    contractor = Contractor.objects.create(code="VND-LUAR", name="PT Vendor Luar")
    contractor.units.set([area])
    outsiders = {}
    for role in RoleCode.values:
        unit_user = User.objects.create_user(f"luar.{role}", unit=service_point)
        unit_user.roles.set(Role.objects.filter(code=role))
        outsiders[f"unit {role}"] = unit_user
        if role not in (RoleCode.ADMIN,):
            vendor_user = User.objects.create_user(f"vendor.luar.{role}", contractor=contractor)
            vendor_user.roles.set(Role.objects.filter(code=role))
            outsiders[f"contractor {role}"] = vendor_user
    area_admin = User.objects.create_user("admin.luar", unit=area)
    area_admin.roles.set(Role.objects.filter(code=RoleCode.UNIT_ADMIN))
    outsiders["UP3 unit_admin"] = area_admin
    root = User.objects.create_superuser("root.scope", "root@example.co.id", "x")
    return {
        "root": root,
        "outsiders": outsiders,
        "web": owned_web_urls(root),
        "api": owned_api_calls(),
    }


def restart_id_sequences():
    """Ids from 1 again, as on a fresh database: PostgreSQL's sequences do not roll back with
    the tests before this module, and the probe below tries the first ids."""
    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


# --- Web: every id-bearing pattern of the resolver ------------------------------------------


def url_patterns(resolver=None, prefix="", namespace=""):
    """(route, name, pattern) of every view, walking includes."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from url_patterns(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace + (entry.name or ""), entry


def product_patterns():
    for route, name, pattern in url_patterns():
        if route.startswith(OUTSIDE_THE_PRODUCT) or route.startswith("api/"):
            continue
        yield route, name, pattern


def id_bearing(route: str) -> bool:
    return any(kind not in VARIANTS for kind in re.findall(r"<(?:\w+:)?(\w+)>", route))


def fill(route: str, ids: dict) -> list[str]:
    """The URLs of ``route`` with its ids and each of its variants."""
    urls = ["/" + route]
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", route):
        token = f"<{converter}:{name}>" if converter else f"<{name}>"
        values = VARIANTS.get(name) or [str(ids[name])]
        urls = [url.replace(token, value, 1) for url in urls for value in values]
    return urls


def owned_web_urls(root) -> dict[str, list[str]]:
    """For each id-bearing pattern, URLs of an object the superuser can open (or act on)."""
    client = login(root)
    found: dict[str, list[str]] = {}
    gettable: dict[str, dict] = {}
    patterns = [(r, n) for r, n, _p in product_patterns() if id_bearing(r)]
    for route, name in patterns:
        params = [p for p in re.findall(r"<(?:\w+:)?(\w+)>", route) if p not in VARIANTS]
        for pk in PROBE_IDS:
            ids = dict.fromkeys(params, pk)
            urls = fill(route, ids)
            # 204: a progress poll answers "nothing running" for an upload that is done.
            if any(client.get(url).status_code in (200, 204, 302) for url in urls):
                found[name], gettable[route] = urls, ids
                break
    for route, name in patterns:
        if name in found:
            continue
        object_prefix = route[: route.rindex(">") + 1]
        siblings = [r for r in gettable if r.startswith(object_prefix)]
        if siblings:
            found[name] = fill(route, gettable[siblings[0]])
        elif name in NAMED_SOURCES:
            label, filters, params = NAMED_SOURCES[name]
            obj = apps.get_model(label)._default_manager.filter(**filters).order_by("pk").first()
            if obj is not None:
                found[name] = fill(route, {p: getattr(obj, f) for p, f in params.items()})
    found["-missing-"] = sorted(n for _r, n in patterns if n not in found)
    return found


def login(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def fingerprint() -> dict[str, int]:
    """Row counts of every table: a write by a refused request shows here."""
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    passwords = list(User.objects.order_by("pk").values_list("password", "is_active"))
    counts["-users-"] = hash(tuple(passwords))
    return counts


def test_every_id_bearing_page_has_an_object_to_try(world):
    missing = world["web"]["-missing-"]
    advice = "No demo object for these: add one to the demo, or a source in NAMED_SOURCES.\n"
    assert not missing, advice + "\n".join(missing)
    assert not world["api"]["-missing-"], "\n".join(world["api"]["-missing-"])


def outsider_names():
    names = [f"unit {role}" for role in RoleCode.values]
    names += [f"contractor {role}" for role in RoleCode.values if role != RoleCode.ADMIN]
    return [*names, "UP3 unit_admin"]


@pytest.mark.parametrize("who", outsider_names())
def test_an_outsider_gets_nothing_of_another_unit(world, who):
    """GET is refused (after following a redirect, as old URLs redirect to their new place);
    POST is refused, or sent back with a message, and writes nothing."""
    outsider = world["outsiders"][who]
    client = login(outsider)
    leaks = []
    for name, urls in world["web"].items():
        if name == "-missing-" or (name in COMPANY_WIDE and outsider.has_role(RoleCode.ADMIN)):
            continue
        for url in urls:
            before = fingerprint()
            response = client.get(url, follow=True)
            if response.status_code not in REFUSED | {405}:
                leaks.append(f"GET {url} ({name}): {response.status_code}")
            response = client.post(url)
            if response.status_code not in REFUSED | {302, 405}:
                leaks.append(f"POST {url} ({name}): {response.status_code}")
            if fingerprint() != before:
                leaks.append(f"{url} ({name}) wrote to the database")
    assert not leaks, "\n".join(leaks)


def test_an_anonymous_client_is_sent_to_the_login(world):
    client = Client()
    open_pages = []
    for route, name, _pattern in product_patterns():
        if name in PUBLIC or not name:
            continue
        ids = {p: 1 for p in re.findall(r"<(?:\w+:)?(\w+)>", route)}
        for url in world["web"].get(name) or fill(route, ids):
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                if response.status_code == 301 or (
                    response.status_code == 302 and not response["Location"].startswith("/login/")
                ):
                    response = getattr(client, method)(response["Location"])
                redirected_to_login = response.status_code == 302 and response[
                    "Location"
                ].startswith("/login/")
                refused = response.status_code in {401, 403, 404, 405}
                if not (redirected_to_login or refused):
                    open_pages.append(f"{method.upper()} {url} ({name}): {response.status_code}")
    assert not open_pages, "\n".join(open_pages)


# --- API: every operation of the OpenAPI schema --------------------------------------------


def api_operations():
    """(method, path, operation) of every operation the API describes."""
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation, schema


def owned_api_calls() -> dict:
    calls, missing = [], []
    for method, path, operation, schema in api_operations():
        params = re.findall(r"{(\w+)}", path)
        if not params:
            continue
        ids = {}
        for param in params:
            if param not in API_SOURCES:
                missing.append(f"{method.upper()} {path}: no source for {{{param}}}")
                continue
            label, field = API_SOURCES[param]
            obj = apps.get_model(label)._default_manager.order_by("pk").first()
            if obj is None:
                missing.append(f"{method.upper()} {path}: no {label} in the demo")
                continue
            ids[param] = getattr(obj, field)
        if len(ids) == len(params):
            url = path
            for param, value in ids.items():
                url = url.replace(f"{{{param}}}", str(value))
            query = {
                p["name"]: example_of(p["schema"], schema)
                for p in operation.get("parameters", [])
                if p["in"] == "query" and p.get("required")
            }
            if query:
                url += "?" + urlencode(query)
            calls.append((method, url, example_body(operation, schema)))
    return {"calls": calls, "-missing-": missing}


def example_body(operation, schema):
    """A body that passes the operation's validation, so the scope rule is what answers."""
    content = operation.get("requestBody", {}).get("content", {})
    body_schema = content.get("application/json", {}).get("schema")
    return None if body_schema is None else example_of(body_schema, schema)


def example_of(node, schema):
    if "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            options = [o for o in node[key] if o.get("type") != "null"]
            return example_of(options[0], schema)
    if "enum" in node:
        return node["enum"][0]
    if "default" in node:
        return node["default"]
    kind = node.get("type")
    if kind == "object":
        props = node.get("properties", {})
        return {name: example_of(props[name], schema) for name in node.get("required", [])}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return max(node.get("minimum", 1), 1)
    if kind == "boolean":
        return False
    formats = {"uuid": str(uuid.uuid4()), "date": date.today().isoformat()}
    return formats.get(node.get("format"), "1" * max(node.get("minLength", 1), 1))


@pytest.mark.parametrize("who", outsider_names())
def test_an_outsider_gets_nothing_through_the_api(world, who):
    _token, raw = issue_token(user=world["outsiders"][who])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    leaks = []
    for method, url, body in world["api"]["calls"]:
        before = fingerprint()
        response = client.generic(
            method.upper(),
            url,
            data=b"" if body is None else json.dumps(body),
            content_type="application/json",
        )
        if response.status_code not in REFUSED:
            leaks.append(f"{method.upper()} {url}: {response.status_code} {response.content[:200]}")
        if fingerprint() != before:
            leaks.append(f"{method.upper()} {url} wrote to the database")
    assert not leaks, "\n".join(leaks)


def test_the_api_refuses_a_client_without_a_token(world):
    client = Client()
    open_calls = []
    for method, path, operation, _schema in api_operations():
        if operation.get("security") == [] or "/auth/login" in path or path.endswith("/health"):
            continue
        url = re.sub(r"{\w+}", "1", path)
        response = client.generic(method.upper(), url, content_type="application/json")
        if response.status_code != 401:
            open_calls.append(f"{method.upper()} {url}: {response.status_code}")
    assert not open_calls, "\n".join(open_calls)
