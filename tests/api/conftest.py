import io
import uuid

import pytest
from PIL import Image

from meterops.api.services import issue_token
from meterops.core.choices import RoleCode
from meterops.replacement import services as replacement
from tests.factories import CustomerFactory, MeterFactory, UserFactory
from tests.prepaid.conftest import prepaid  # noqa: F401 - fee table, keys and stock of prepaid
from tests.replacement.conftest import (  # noqa: F401 - fixtures shared with replacement
    customer,
    damage_type,
    field_officer,
    make_target,
)


def jpeg_bytes(size=(640, 480)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def api_client(client):
    """A test client that sends a device token of ``user`` with every request."""

    def make(user):
        _token, raw = issue_token(user=user, device_name="pytest")
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        return client

    return make


def upload_photo(client, data: bytes | None = None, chunk: int = 100_000) -> int:
    data = data if data is not None else jpeg_bytes()
    started = client.post(
        "/api/photos",
        {"client_id": str(uuid.uuid4()), "file_name": "foto.jpg", "size": len(data)},
        content_type="application/json",
    )
    assert started.status_code == 200, started.json()
    upload_id = started.json()["id"]
    for offset in range(0, len(data), chunk):
        answer = client.put(
            f"/api/photos/{upload_id}/chunk?offset={offset}",
            data[offset : offset + chunk],
            content_type="application/octet-stream",
        )
        assert answer.status_code == 200, answer.json()
    return upload_id


def hand_over(cast, target, officer):
    """The target verified, its PK printed and handed to ``officer``: on their work list."""
    replacement.verify_target(target=target, actor=cast.supervisor)
    [order] = replacement.print_work_orders(targets=[target], actor=cast.supervisor)
    [order] = replacement.assign_work_orders(
        work_orders=[order], officer=officer, actor=cast.supervisor
    )
    return order


@pytest.fixture
def work_order(cast, customer, make_target, field_officer):  # noqa: F811
    """A PK of ULP A handed to the contractor A officer."""
    target = make_target(customer)
    return hand_over(cast, target, field_officer)


@pytest.fixture
def other_contractor_order(cast, make_target):  # noqa: F811
    """A PK of ULP A handed to an officer of another contractor working in the same area."""
    from tests.factories import ContractorFactory

    rival = ContractorFactory(code="VND-C", name="PT Vendor Gamma", units=[cast.area_a])
    officer = UserFactory(
        username="petugas.gamma", contractor=rival, roles=[RoleCode.FIELD_OFFICER]
    )
    other = CustomerFactory(unit=cast.sp_a, name="CECEP")
    MeterFactory(customer=other, meter_number="45000000002")
    target = make_target(other)
    return hand_over(cast, target, officer)
