"""Pelanggan reads an index on PostgreSQL, by name (the trigram index) and by IDPEL or meter
number (issue #22: at 1,000,000 customers the UID user's searches read every customer of the
units, 401 and 164 ms at p95; at 5,000,000 the UID user's IDPEL page walked the IDPEL index
from its start, 185 ms)."""

import pytest
from django.db import connection, transaction

from meterops.customers.models import Customer
from meterops.customers.queries import search_customers
from tests.factories import CustomerFactory, MeterFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL index (pg_trgm)"),
]


def test_the_name_search_uses_the_trigram_index(cast):
    CustomerFactory(unit=cast.sp_a, name="NUR RAMDANI")
    search = Customer.objects.filter(name__icontains="ramdani").order_by()
    with transaction.atomic(), connection.cursor() as cursor:
        # The table is tiny here: forbid the sequential scan and the plain index scans (a btree
        # walked whole, filtering) to see whether the ORM's expression (UPPER(name::text) LIKE
        # UPPER(...)) can use an index at all: only the trigram index answers it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = search.explain()
        assert list(search.values_list("name", flat=True)) == ["NUR RAMDANI"]
    assert "customers_cust_name_trgm" in plan, plan


def test_the_idpel_or_meter_search_uses_the_idpel_index(cast):
    owner = MeterFactory(customer=CustomerFactory(unit=cast.sp_a), meter_number="14123456789")
    idpel = CustomerFactory(unit=cast.sp_a, customer_id="514123456789")
    search = search_customers(cast.admin, "14123456789").order_by()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = search.explain()
    assert "_like" in plan and "SubPlan" not in plan, plan
    found = search_customers(cast.admin, "14123456789")
    assert {c.pk for c in found} == {owner.customer_id}
    assert [c.pk for c in search_customers(cast.admin, "5141234")] == [idpel.pk]


def test_a_page_of_an_idpel_prefix_starts_the_idpel_index_at_the_prefix(cast):
    for serial in range(3):
        CustomerFactory(unit=cast.sp_a, customer_id=f"51413000000{serial}")
    page = search_customers(cast.admin, "5141300")[:25]
    with transaction.atomic(), connection.cursor() as cursor:
        # The plan of a large table, where the page is read in IDPEL order from the index and
        # no sort follows: the prefix has to bound that walk, not filter it from the start.
        for plan_kind in ("seqscan", "bitmapscan", "sort"):
            cursor.execute(f"SET LOCAL enable_{plan_kind} = off")
        plan = page.explain()
    assert "Index Cond: (((customer_id)::text >= '5141300'::text)" in plan, plan
    assert [c.customer_id for c in page] == [f"51413000000{s}" for s in range(3)]
