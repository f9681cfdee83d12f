"""Two requests at the same second (issue #18): two agents taking calls of the same customer make
one ticket carrying both calls; a double click on "Buat token pengganti" makes one token.

These need PostgreSQL, where two requests really run at once; SQLite serialises whole
transactions.
"""

import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from meterops import sts
from meterops.complaints.choices import PowerState
from meterops.complaints.models import ReplacementToken, Ticket, TokenCall
from meterops.complaints.services import handle_token_call
from meterops.core.choices import RoleCode
from tests.complaints.helpers import UPGRADED_AT, upgraded_meter, vend
from tests.conftest import build_cast
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers"),
    pytest.mark.django_db(transaction=True),
]


def at_once(*posts):
    """Run the posts in threads released together; returns their status codes."""
    barrier = threading.Barrier(len(posts))
    statuses = []

    def run(post):
        try:
            barrier.wait()
            statuses.append(post().status_code)
        except Exception as exc:  # the status list shows the request that failed
            statuses.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(post,)) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def client_of(user):
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_two_agents_at_once_make_one_ticket_with_both_calls():
    cast = build_cast()
    meter, _pair = upgraded_meter(cast)
    agents = [UserFactory(unit=cast.region, roles=[RoleCode.CALL_CENTRE]) for _ in range(2)]
    url = reverse("complaints:wizard") + f"?q={meter.customer.customer_id}"

    def post(agent):
        client = client_of(agent)
        data = {
            "submission": str(uuid.uuid4()),
            "right_token": "on",
            "officer_visited": "yes",
            "power_state": "off",
        }
        return lambda: client.post(url, data)

    assert at_once(*(post(agent) for agent in agents)) == [302, 302]
    ticket = Ticket.objects.get()
    assert TokenCall.objects.filter(ticket=ticket).count() == 2


@pytest.mark.parametrize("with_token", [True, False], ids=["decoded-kwh", "receipt-kwh"])
def test_a_double_click_makes_one_replacement_token(with_token, monkeypatch):
    cast = build_cast()
    meter, pair = upgraded_meter(cast)
    agent = UserFactory(unit=cast.region, roles=[RoleCode.CALL_CENTRE])
    bought = UPGRADED_AT - timedelta(days=2)
    ticket = handle_token_call(
        actor=agent,
        customer=meter.customer,
        right_token=True,
        officer_visited=True,
        power_state=PowerState.OFF,
        purchased_at=bought,
        token=vend(meter, pair.old, kwh="15", at=bought) if with_token else "",
    )
    url = reverse("complaints:call_replacement", args=[ticket.pk])
    data = {"call": ticket.call_id, "quantity": "13.6"}
    first, second = client_of(agent), client_of(agent)
    # Making the token takes a while, so the second click arrives while the first is at it.
    make = sts.credit_token
    monkeypatch.setattr(sts, "credit_token", lambda *a, **kw: time.sleep(0.5) or make(*a, **kw))
    assert at_once(lambda: first.post(url, data), lambda: second.post(url, data)) == [302, 302]
    assert ReplacementToken.objects.count() == 1
