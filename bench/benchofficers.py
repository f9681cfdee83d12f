"""Field officers of one contractor with device tokens and distributed PKs, inserted set-based.

Shared by the benchmarks of the field app's API (bench_api_load, bench_work_list).
"""

ORDERS_PER_OFFICER = 5
SPARE_CUSTOMERS = 40

STAGE = """
CREATE TEMP TABLE bench_target AS
SELECT c.n, c.id AS customer_id, c.unit_id, m.id AS meter_id,
       now() - interval '3 days' AS reported_at
FROM (SELECT row_number() OVER (ORDER BY id) AS n, id, unit_id
      FROM customers_customer ORDER BY id LIMIT %(count)s) c
LEFT JOIN customers_meter m ON m.customer_id = c.id AND m.removed_at IS NULL
"""
INSERT_PROCESSES = """
INSERT INTO core_process (id, created_at, updated_at, customer_id, unit_id, domain, kind,
                          reference, state, state_label, is_open, opened_at)
SELECT n, reported_at, reported_at, customer_id, unit_id, 'replacement', 'Target ganti meter',
       'TO-' || lpad(n::text, 7, '0'), 'assigned', 'PK didistribusikan', true, reported_at
FROM bench_target
"""
INSERT_TARGETS = """
INSERT INTO replacement_replacementtarget (
    id, created_at, updated_at, process_id, customer_id, unit_id, meter_id, source,
    from_reading_anomaly, programme_name, damage_type_id, notes, reading_at_discovery,
    reported_at, state, state_reason)
SELECT n, reported_at, reported_at, n, customer_id, unit_id, meter_id, 'fault', false, '',
       (SELECT min(id) FROM replacement_damagetype), 'Display mati', 100.5, reported_at,
       'assigned', ''
FROM bench_target
"""
INSERT_WORK_ORDERS = """
INSERT INTO replacement_workorder (created_at, updated_at, target_id, unit_id, number,
                                   printed_at, printed_by_id, print_count, assigned_to_id,
                                   assigned_at)
SELECT t.reported_at, t.reported_at, t.n, t.unit_id, 'PK/BENCH/' || lpad(t.n::text, 7, '0'),
       t.reported_at, %(printer)s, 1, (%(officers)s::bigint[])[1 + (t.n - 1) / %(per)s],
       t.reported_at
FROM bench_target t
"""
RESET_SEQUENCE = "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {}))"


def execute(statement: str, params=None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def seed(officer_count: int) -> list[dict]:
    """Officers with a token, their PKs (set-based) and spare customers for damage reports."""
    from django.contrib.auth.hashers import make_password

    from meterops.api.services import issue_token
    from meterops.core.choices import RoleCode
    from meterops.core.models import Contractor, Role, Unit, User
    from meterops.customers.models import Customer

    units = list(Unit.objects.filter(level="service_point"))
    contractor = Contractor.objects.create(code="VND-LOAD", name="PT Beban Uji")
    contractor.units.set(units)
    password = make_password("bench-only-password")
    officers = User.objects.bulk_create(
        [
            User(username=f"petugas.load{i:03d}", contractor=contractor, password=password)
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
    execute(STAGE, {"count": targets})
    execute(INSERT_PROCESSES)
    execute(INSERT_TARGETS)
    printer = User.objects.get(username="admin").pk
    execute(
        INSERT_WORK_ORDERS,
        {"printer": printer, "officers": [o.pk for o in officers], "per": ORDERS_PER_OFFICER},
    )
    execute("DROP TABLE bench_target")
    for table in ("core_process", "replacement_replacementtarget", "replacement_workorder"):
        execute(RESET_SEQUENCE.format(table), [table])
    spare = list(
        Customer.objects.order_by("id").values_list("customer_id", flat=True)[
            targets : targets + officer_count * SPARE_CUSTOMERS
        ]
    )
    execute("VACUUM ANALYZE")
    return [
        {
            "token": issue_token(user=officer, device_name="bench")[1],
            "spare": spare[i * SPARE_CUSTOMERS : (i + 1) * SPARE_CUSTOMERS],
        }
        for i, officer in enumerate(officers)
    ]
