"""Field officers of one contractor with device tokens and distributed PKs, inserted set-based.

Shared by the benchmarks of the field app's API (bench_api_load, bench_work_list). It adds to
any database, a fresh one or a UID a ``bench_uid --keep`` run left: the ids come from the
sequences, the contractor, the officers and the references carry a tag of their own, and the
PKs and damage reports go to customers without an open replacement process.
"""

import secrets

from benchdb import execute

ORDERS_PER_OFFICER = 5
SPARE_CUSTOMERS = 40

# Customers of the officers' units with no open replacement (one open process per customer
# and domain); the first ``count`` by id.
FREE_CUSTOMERS = """
SELECT c.id, c.unit_id, c.customer_id FROM customers_customer c
WHERE c.unit_id = ANY(%(units)s)
  AND NOT EXISTS (SELECT 1 FROM core_process p WHERE p.customer_id = c.id
                  AND p.domain = 'replacement' AND p.is_open)
ORDER BY c.id LIMIT %(count)s
"""
INSERT_WORK = f"""
WITH picked AS (
    SELECT row_number() OVER (ORDER BY f.id) AS n, f.id AS customer_id, f.unit_id,
           m.id AS meter_id, now() - interval '3 days' AS reported_at
    FROM ({FREE_CUSTOMERS}) f
    LEFT JOIN customers_meter m ON m.customer_id = f.id AND m.removed_at IS NULL
), processes AS (
    INSERT INTO core_process (created_at, updated_at, customer_id, unit_id, domain, kind,
                              reference, state, state_label, is_open, opened_at)
    SELECT reported_at, reported_at, customer_id, unit_id, 'replacement', 'Target ganti meter',
           'TO-' || %(tag)s || '-' || lpad(n::text, 6, '0'), 'assigned', 'PK didistribusikan',
           true, reported_at
    FROM picked
    RETURNING id, customer_id
), targets AS (
    INSERT INTO replacement_replacementtarget (
        created_at, updated_at, process_id, customer_id, unit_id, meter_id, source,
        from_reading_anomaly, programme_name, damage_type_id, notes, reading_at_discovery,
        reported_at, state, state_reason)
    SELECT p.reported_at, p.reported_at, pr.id, p.customer_id, p.unit_id, p.meter_id, 'fault',
           false, '', (SELECT min(id) FROM replacement_damagetype), 'Display mati', 100.5,
           p.reported_at, 'assigned', ''
    FROM picked p JOIN processes pr USING (customer_id)
    RETURNING id, customer_id
)
INSERT INTO replacement_workorder (created_at, updated_at, target_id, unit_id, number,
                                   printed_at, printed_by_id, print_count, assigned_to_id,
                                   assigned_at)
SELECT p.reported_at, p.reported_at, t.id, p.unit_id,
       'PK/LOAD/' || %(tag)s || '/' || lpad(p.n::text, 6, '0'), p.reported_at, %(printer)s, 1,
       (%(officers)s::bigint[])[1 + (p.n - 1) / %(per)s], p.reported_at
FROM picked p JOIN targets t USING (customer_id)
"""  # noqa: S608 - FREE_CUSTOMERS is a constant, the values are parameters


TOUCHED = (
    "core_contractor",
    "core_contractor_units",
    "core_user",
    "core_user_roles",
    "core_user_placed_units",
    "core_process",
    "replacement_replacementtarget",
    "replacement_workorder",
)


def seed(officer_count: int, *, vacuum: bool = True) -> list[dict]:
    """Officers with a token, their PKs (set-based) and spare customers for damage reports."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from meterops.api.services import issue_token
    from meterops.core.choices import RoleCode
    from meterops.core.models import Contractor, Role, Unit, User

    tag = secrets.token_hex(3).upper()
    units = list(Unit.objects.filter(level="service_point"))
    contractor = Contractor.objects.create(code=f"VND-LOAD-{tag}", name=f"PT Beban Uji {tag}")
    contractor.units.set(units)
    password = make_password("bench-only-password")
    officers = User.objects.bulk_create(
        [
            User(username=f"petugas.load{tag}.{i:03d}", contractor=contractor, password=password)
            for i in range(officer_count)
        ]
    )
    role = Role.objects.get(code=RoleCode.FIELD_OFFICER)
    User.roles.through.objects.bulk_create(
        [User.roles.through(user_id=o.pk, role_id=role.pk) for o in officers]
    )
    # A contractor's officer sees the units he is placed in (issue #17): all of them here.
    User.placed_units.through.objects.bulk_create(
        [User.placed_units.through(user_id=o.pk, unit_id=u.pk) for o in officers for u in units]
    )
    targets = officer_count * ORDERS_PER_OFFICER
    unit_ids = [u.pk for u in units]
    execute(
        INSERT_WORK,
        {
            "units": unit_ids,
            "count": targets,
            "tag": tag,
            "printer": User.objects.get(username="admin").pk,
            "officers": [o.pk for o in officers],
            "per": ORDERS_PER_OFFICER,
        },
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT customer_id FROM ({FREE_CUSTOMERS}) f ORDER BY id",  # noqa: S608
            {"units": unit_ids, "count": officer_count * SPARE_CUSTOMERS},
        )
        spare = [row[0] for row in cursor.fetchall()]
    # A fresh database is vacuumed whole (its COPYed customers too); a kept UID only where
    # this added rows, which ANALYZE is enough for.
    execute("VACUUM ANALYZE" if vacuum else f"ANALYZE {', '.join(TOUCHED)}")
    return [
        {
            "token": issue_token(user=officer, device_name="bench")[1],
            "spare": spare[i * SPARE_CUSTOMERS : (i + 1) * SPARE_CUSTOMERS],
        }
        for i, officer in enumerate(officers)
    ]
