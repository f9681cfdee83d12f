"""Two uploads touching the same customer: the second waits for the first, then refuses the
row it would duplicate (PostgreSQL SELECT … FOR UPDATE on the customer rows)."""

import os
import threading
import time

import pytest
from django.db import connection, connections

from meterops.imports import services
from meterops.imports.models import UploadRow
from meterops.replacement.models import ReplacementTarget
from tests.factories import CustomerFactory

from .conftest import checked, csv_file, xlsx


def _rows(customers, damage):
    return [[c.customer_id, damage.name, "", "", "", ""] for c in customers]


class SecondUploadTests:
    def test_second_upload_checked_before_the_first_applied_rejects_the_row(
        self, cast, damage_type
    ):
        shared, own = CustomerFactory(unit=cast.sp_a), CustomerFactory(unit=cast.sp_a)
        first = checked(cast.supervisor, "to-ex-dg", xlsx(_rows([shared], damage_type)))
        second = checked(cast.unit_admin, "to-ex-dg", csv_file(_rows([shared, own], damage_type)))
        assert second.new_rows == 2  # at check time both looked new
        for upload, user in ((first, cast.supervisor), (second, cast.unit_admin)):
            services.start_apply(upload=upload, actor=user)
            services.apply_upload(upload_id=upload.pk)
        second.refresh_from_db()
        assert (second.new_rows, second.rejected_rows) == (1, 1)
        row = UploadRow.objects.get(upload=second, status="rejected")
        assert row.cells["IDPEL"] == shared.customer_id and "sudah punya proses" in row.reason
        assert ReplacementTarget.objects.filter(customer=shared).count() == 1


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row locks between two connections: PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
class WaitsForTheOtherTests:
    def test_apply_waits_on_the_customer_lock(self, damage_type):
        from tests.conftest import build_cast

        cast = build_cast()
        customer = CustomerFactory(unit=cast.sp_a)
        upload = checked(cast.supervisor, "to-ex-dg", xlsx(_rows([customer], damage_type)))
        services.start_apply(upload=upload, actor=cast.supervisor)
        holder = connection.copy()
        holder.connect()
        holder.set_autocommit(False)
        with holder.cursor() as cursor:  # another upload's batch holding the customer
            cursor.execute(
                "SELECT id FROM customers_customer WHERE id = %s FOR UPDATE", [customer.pk]
            )
        done = threading.Event()

        def run():
            try:
                services.apply_upload(upload_id=upload.pk)
            finally:
                connections.close_all()
                done.set()

        thread = threading.Thread(target=run)
        thread.start()
        try:
            deadline = time.monotonic() + 60
            waiting = False
            while time.monotonic() < deadline and not waiting:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock' AND query LIKE '%%FOR UPDATE%%'"
                    )
                    waiting = cursor.fetchone()[0] > 0
                time.sleep(0.1)
            assert waiting and not done.is_set()
            assert not ReplacementTarget.objects.exists()
        finally:
            holder.commit()
            holder.close()
        thread.join(60)
        assert done.is_set()
        assert ReplacementTarget.objects.filter(customer=customer).count() == 1
