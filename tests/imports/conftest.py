import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tasks.signals import task_enqueued

from meterops.imports import services
from meterops.imports.models import Upload
from meterops.imports.registry import get_template
from meterops.replacement.models import DamageType
from tests.factories import CustomerFactory, MeterFactory

TO_HEADERS = [
    "IDPEL",
    "JENIS_KERUSAKAN",
    "STAN_SAAT_DITEMUKAN",
    "KOORDINAT_X",
    "KOORDINAT_Y",
    "KETERANGAN",
]


def xlsx(rows, headers=TO_HEADERS, name="to.xlsx", fill=None) -> SimpleUploadedFile:
    """A real .xlsx with ``headers`` and ``rows``; ``fill(sheet)`` may touch cells afterwards."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if headers:
        sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    if fill:
        fill(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(rows, headers=TO_HEADERS, name="to.csv", delimiter=";") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode())


def checked(user, code: str, upload_file) -> Upload:
    upload = services.create_upload(
        actor=user, template=get_template(code), upload_file=upload_file
    )
    return services.check_upload(upload_id=upload.pk)


def applied(user, code: str, upload_file) -> Upload:
    upload = checked(user, code, upload_file)
    services.start_apply(upload=upload, actor=user)
    return services.apply_upload(upload_id=upload.pk)


def hold_open_process(customer):
    """A second connection holding an uncommitted open process of ``customer`` (PostgreSQL):
    an apply's INSERT of that customer's batch waits on it until ``rollback()``."""
    holder = connection.copy()
    holder.connect()
    holder.set_autocommit(False)
    with holder.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_process (created_at, updated_at, customer_id, unit_id, domain,"
            " kind, reference, state, state_label, is_open, opened_at) VALUES (now(), now(),"
            " %s, %s, 'replacement', 'x', 'BLOCK', 'submitted', '', TRUE, now())",
            [customer.pk, customer.unit_id],
        )
    return holder


@pytest.fixture
def damage_type(db):
    damage_type, _created = DamageType.objects.get_or_create(
        code="display-mati", defaults={"name": "Display mati / blank"}
    )
    DamageType.objects.get_or_create(code="terbakar", defaults={"name": "Terbakar"})
    return damage_type


@pytest.fixture
def customers(cast):
    """Three customers of ULP ALFA SATU with a current meter each."""
    made = [CustomerFactory(unit=cast.sp_a) for _ in range(3)]
    for customer in made:
        MeterFactory(customer=customer)
    return made


@pytest.fixture
def enqueued():
    """The names of the tasks queued during the test, on any Tasks backend."""
    seen = []

    def record(sender, task_result, **kwargs):
        seen.append(task_result.task.module_path.rsplit(".", 1)[-1])

    task_enqueued.connect(record)
    yield seen
    task_enqueued.disconnect(record)
