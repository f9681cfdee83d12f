"""Shapes of the device API's requests and answers (django-ninja / pydantic)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator

from meterops.replacement.models import NOTES_MAX_LENGTH
from meterops.vending.choices import VkrnCode

MAX_ID = 2**31 - 1


def _no_control(value: str) -> str:
    if "\x00" in value:
        raise ValueError("tidak boleh berisi karakter NUL")
    return value.strip()


def Text(max_length: int, min_length: int = 0):
    return Annotated[
        str, Field(min_length=min_length, max_length=max_length), AfterValidator(_no_control)
    ]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Offset = Annotated[int, Field(ge=0, le=MAX_ID)]
Register = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Latitude = Annotated[Decimal, Field(ge=-90, le=90, max_digits=9, decimal_places=6)]
Longitude = Annotated[Decimal, Field(ge=-180, le=180, max_digits=9, decimal_places=6)]
CustomerId = Annotated[str, Field(pattern=r"^\d{12}$")]


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    detail: list[dict] | None = None


class LoginIn(Schema):
    username: Text(150, 1)
    password: Text(128, 1)
    device_name: Text(120) = ""


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    roles: list[str]
    unit: str
    contractor: str


class LoginOut(Schema):
    token: str
    expires_at: datetime
    user: MeOut


class CustomerOut(Schema):
    id: int
    customer_id: str
    name: str
    address: str
    tariff: str
    power_va: int
    latitude: Decimal | None
    longitude: Decimal | None
    meter_number: str | None
    meter_brand: str | None


class WorkItemOut(Schema):
    kind: str
    id: int
    reference: str
    title: str
    state: str
    state_label: str
    version: datetime
    assigned_at: datetime | None
    customer: CustomerOut
    detail: dict


class WorkListOut(Schema):
    generated_at: datetime
    # The delta's start (the ``since`` asked), null for the whole list.
    since: datetime | None = None
    # With ``since``: ``kind:id`` of every item on the list now, for the phone to drop the rest.
    ids: list[str] | None = None
    items: list[WorkItemOut]


class ProcessOut(Schema):
    kind: str
    reference: str
    state_label: str
    opened_at: datetime


class EventOut(Schema):
    at: datetime
    verb: str
    label: str
    state_label: str
    note: str


class CustomerStatusOut(Schema):
    customer: CustomerOut
    open_processes: list[ProcessOut]
    events: list[EventOut]


class DamageTypeOut(Schema):
    code: str
    name: str


class DamageReportIn(Schema):
    client_id: uuid.UUID
    customer_id: CustomerId
    damage_type: Text(30, 1)
    # Its length is checked by the service, which answers 422 naming the field in Indonesian;
    # the request body's size limit bounds it before that.
    notes: Annotated[
        str,
        Field(description=f"Keterangan, paling banyak {NOTES_MAX_LENGTH} karakter."),
        AfterValidator(_no_control),
    ] = ""
    reading_at_discovery: Register | None = None
    # An LBKB target (kelainan baca) leaves the TO only with its BA (seed 000).
    lbkb: bool = False
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    observed_at: datetime | None = None
    photo_ids: list[Id] = Field(min_length=1, max_length=5)


class TargetOut(Schema):
    id: int
    reference: str
    customer_id: str
    state: str
    state_label: str
    lbkb: bool = False
    reported_at: datetime
    version: datetime
    replayed: bool = False


class ReplacementIn(Schema):
    client_id: uuid.UUID
    work_order_id: Id
    version: datetime
    new_meter_brand: Text(40, 1)
    new_meter_number: Annotated[str, Field(pattern=r"^[0-9A-Za-z-]{1,20}$")]
    new_meter_model: Text(40) = ""
    new_meter_serial: Text(30) = ""
    seal_numbers: Text(120) = ""
    new_meter_vkrn: VkrnCode | None = None
    new_initial_reading: Register
    old_final_reading: Register
    low_reading_reason: Text(255) = ""
    replaced_on: date
    photo_ids: list[Id] = Field(min_length=2, max_length=5)


class ReplacementOut(Schema):
    id: int
    work_order: str
    target_reference: str
    new_meter_number: str
    replaced_on: date
    state_label: str
    replayed: bool = False


class ConflictOut(Schema):
    """A refused write; ``yours`` and ``server`` are set when the record changed (code conflict)."""

    code: str
    message: str
    yours: dict | None = None
    server: dict | None = None


class WorkOrderOut(Schema):
    id: int
    number: str
    target_reference: str
    customer_id: str
    customer_name: str
    damage_type: str
    status: str
    status_label: str
    printed_at: datetime
    assigned_to: str | None
    version: datetime


class OfficerOut(Schema):
    id: int
    username: str
    full_name: str


class AssignIn(Schema):
    client_id: uuid.UUID
    work_order_ids: list[Id] = Field(min_length=1, max_length=200)
    officer_id: Id


class AssignOut(Schema):
    assigned: list[str]
    officer: str
    replayed: bool = False


class PasswordIn(Schema):
    old_password: Text(128, 1)
    new_password: Text(128, 1)


class MessageOut(Schema):
    message: str


class ContactOut(Schema):
    unit: str
    phone: str
    email: str
    address: str


class UploadStartIn(Schema):
    client_id: uuid.UUID
    file_name: Text(120, 1)
    size: int = Field(ge=1, le=MAX_ID)


class UploadOut(Schema):
    id: int
    client_id: uuid.UUID
    size: int
    received: int
    complete: bool
    content_type: str


class OrderOutcomeIn(Schema):
    """What the officer found at a fieldwork order; which fields count depends on its kind."""

    client_id: uuid.UUID
    version: datetime
    result: Literal["done", "failed"]
    reason: Text(500) = ""
    register_kwh: Register | None = None
    credit_kwh: Register | None = None
    anomaly_code: Text(10) = ""
    notice_outcome: Text(30) = ""
    # P2TL inspection (issue #23): what the officer found; a violation is described in note.
    inspection_finding: Text(12) = ""
    initials: Text(60) = ""
    route_code: Text(20) = ""
    substation_code: Text(20) = ""
    sequence: int | None = Field(None, ge=1, le=MAX_ID)
    note: Text(2000) = ""
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    photo_ids: list[Id] = Field(default_factory=list, max_length=2)
    # Disconnection (seed 004 §VI): how the meter was cut and the seal put on it.
    disconnection_method: Text(20) = ""
    seal_number: Text(30) = ""
    # When the officer did the work (the phone's clock, with its zone): results recorded
    # offline keep their real time, and the H+1 report deadline counts from it.
    done_at: datetime | None = None


class OrderOutcomeOut(Schema):
    id: int
    reference: str
    kind: str
    state: str
    state_label: str
    replayed: bool = False
