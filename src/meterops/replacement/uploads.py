"""The HOME uploads (seed 000, menu Upload): TO Ganti Meter Ex DG and Non Ex DG.

A row names a customer (IDPEL) and the damage; it opens the customer's replacement process and
puts the meter on the target list, like Tambah Ex DG does for one customer. Keyed by IDPEL and
the open HOME process: the same row uploaded again is unchanged; a row for a customer whose
target is still waiting for verification updates it; anything else is rejected with a reason.
Applied set-based: INSERT … SELECT from the staging table, one statement per table per batch.
"""

from decimal import Decimal

from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops.core.choices import Domain, RoleCode
from meterops.core.transitions import Opening, record_process_events
from meterops.customers.meter_readings import anomaly_codes
from meterops.imports.registry import Column, ImportTemplate, Kind, RowStatus, Scope
from meterops.imports.staging import cell, is_postgres, many, reject_rows

from .choices import TargetSource, TargetState
from .models import NOTES_MAX_LENGTH, DamageType, ReplacementTarget, target_reference
from .services import lbkb_marks

TO_UPLOAD_ROLES = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR)


def _damage_names() -> tuple[str, ...]:
    return tuple(DamageType.objects.filter(is_active=True).values_list("name", flat=True))


def _lbkb_choices() -> tuple[str, ...]:
    return ("Y", "N", *anomaly_codes())


def _columns(programme: bool) -> tuple[Column, ...]:
    columns = [
        Column(
            "IDPEL",
            Kind.IDPEL,
            required=True,
            note="12 digit ID pelanggan; format kolom sebagai Teks agar nol di depan tetap ada.",
            example="510010000001",
        ),
        Column(
            "JENIS_KERUSAKAN",
            Kind.CHOICE,
            required=True,
            choices=_damage_names,
            note="Pilih dari daftar (menu Jenis Kerusakan).",
            example="",
        ),
    ]
    if programme:
        columns.append(
            Column(
                "NAMA_PROGRAM",
                Kind.TEXT,
                required=True,
                max_length=120,
                note="Nama program ganti meter, mis. Peremajaan Meter Tua 2026.",
                example="Peremajaan Meter Tua 2026",
            )
        )
    columns += [
        Column(
            "STAN_SAAT_DITEMUKAN",
            Kind.DECIMAL,
            minimum=Decimal(0),
            maximum=Decimal("9999999999.99"),
            note="Stan kWh meter saat ditemukan (boleh kosong). Tanpa pemisah ribuan.",
            example="12345.6",
        ),
        Column(
            "KOORDINAT_X",
            Kind.DECIMAL,
            minimum=Decimal(-180),
            maximum=Decimal(180),
            note="Bujur (longitude), desimal, mis. 107.6191.",
            example="107.6191",
        ),
        Column(
            "KOORDINAT_Y",
            Kind.DECIMAL,
            minimum=Decimal(-90),
            maximum=Decimal(90),
            note="Lintang (latitude), desimal, mis. -6.9175.",
            example="-6.9175",
        ),
        Column(
            "KETERANGAN",
            Kind.TEXT,
            max_length=NOTES_MAX_LENGTH,
            note=f"Catatan kondisi (boleh kosong), paling banyak {NOTES_MAX_LENGTH} karakter.",
        ),
        Column(
            "LBKB",
            Kind.CHOICE,
            choices=_lbkb_choices,
            note="Y atau kode LBKB-nya jika target dari kelainan baca (LBKB); N atau kosong jika "
            "bukan. Target LBKB hanya bisa dihapus dari TO dengan BA verifikasi.",
            example="N",
        ),
    ]
    return tuple(columns)


def _declared_lbkb(cells: dict) -> bool:
    """The LBKB column says Y or names an LBKB code."""
    return cells.get("LBKB") not in (None, "N")


def _same(target: ReplacementTarget, cells: dict, damage_type_id: int) -> bool:
    def dec(value):
        return None if value is None else Decimal(str(value))

    return (
        target.damage_type_id == damage_type_id
        and (target.notes or "") == (cells.get("KETERANGAN") or "")
        and (target.programme_name or "") == (cells.get("NAMA_PROGRAM") or "")
        and dec(target.reading_at_discovery) == dec(cells.get("STAN_SAAT_DITEMUKAN"))
        and dec(target.latitude) == dec(cells.get("KOORDINAT_Y"))
        and dec(target.longitude) == dec(cells.get("KOORDINAT_X"))
        # An upload marks a target LBKB, never unmarks it (its BA rule stays).
        and target.from_reading_anomaly >= (cells["_lbkb"] == "1")
    )


def _classifier(source: str):
    def classify(rows, *, actor, template) -> None:
        """New target, unchanged, changed (still waiting for verification) or rejected."""
        damage_ids = dict(DamageType.objects.filter(is_active=True).values_list("name", "pk"))
        customer_ids = many([r.customer_id for r in rows], "bigint")
        declared: dict[int, bool] = {}
        for row in rows:
            declared[row.customer_id] = declared.get(row.customer_id, False) or _declared_lbkb(
                row.cells
            )
        marked = lbkb_marks(declared)
        open_targets = {
            t.customer_id: t
            for t in ReplacementTarget.objects.filter(
                customer_id__in=customer_ids, process__is_open=True
            )
        }
        for row in rows:
            damage_type_id = damage_ids[row.cells["JENIS_KERUSAKAN"]]
            row.cells["_damage_type_id"] = damage_type_id
            row.cells["_lbkb"] = "1" if marked[row.customer_id] else "0"
            target = open_targets.get(row.customer_id)
            if target is None:
                row.status = RowStatus.NEW
                continue
            row.cells["_target_id"] = target.pk
            if target.source != source:
                row.reject(
                    "IDPEL",
                    _("Pelanggan sudah punya TO %(label)s yang terbuka: %(ref)s (%(state)s).")
                    % {
                        "label": TargetSource(target.source).label,
                        "ref": target.reference,
                        "state": target.get_state_display(),
                    },
                )
            elif _same(target, row.cells, damage_type_id):
                row.status = RowStatus.UNCHANGED
            elif target.state == TargetState.SUBMITTED:
                row.status = RowStatus.CHANGED
            else:
                row.reject(
                    "IDPEL",
                    _("%(ref)s sudah berstatus %(state)s; datanya tidak bisa diubah lewat upload.")
                    % {"ref": target.reference, "state": target.get_state_display()},
                )
        if is_postgres():
            _reserve_target_ids([r for r in rows if r.status == RowStatus.NEW])

    return classify


def _reserve_target_ids(rows) -> None:
    """Take the new rows' target ids from the sequence now (one query per chunk), so apply
    writes process, target, event and the row's link in one statement (PostgreSQL)."""
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('replacement_replacementtarget', 'id')) "
            "FROM generate_series(1, %s)",
            [len(rows)],
        )
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            row.record_id = pk


def _applier(source: str, title: str):
    def apply(*, upload, batch: int, actor) -> None:
        """Open the processes and targets of the batch's new rows; update the changed ones."""
        opening = Opening(
            domain=Domain.REPLACEMENT,
            kind=str(_("Target ganti meter")),
            state=TargetState.SUBMITTED,
            state_label=str(TargetState.SUBMITTED.label),
            actor=actor,
            note=f"Upload {title} #{upload.pk}",
            at=timezone.now(),
        )
        params = {"upload": upload.pk, "batch": batch, "source": source, **opening.params}
        with connection.cursor() as cursor:
            if is_postgres():
                _apply_new_postgres(cursor, opening, params)
            else:
                token = f"IMPORT-{upload.pk}-{batch}"
                _apply_new(cursor, upload, batch, opening, {**params, "token": token})
            _apply_changed(cursor, upload, batch, opening)

    return apply


NOT_CREATED = (
    "Tidak dibuat: pelanggan sudah punya proses ganti meter yang terbuka "
    "(dibuat oleh upload atau petugas lain saat berkas ini diterapkan)."
)


def _apply_new_postgres(cursor, opening: Opening, params: dict) -> None:
    """The batch's new rows in one statement: processes, targets, events and the rejects.

    Each new row came out of the check with its target id already taken from the sequence
    (``record_id``, see ``_reserve_target_ids``), so the process gets its TO reference and the
    staged row its link without a second pass; the process ids come from their sequence in the
    same statement. A customer who already has an open replacement process (opened by a
    concurrent upload or an officer after the check) is rejected with its reason. One opened
    by a writer still in flight makes the INSERT wait for it (one-open-process index); if that
    writer commits, this batch fails whole and applying again rejects the row.
    """
    process_seq = "pg_get_serial_sequence('core_process', 'id')"
    target_seq = "pg_get_serial_sequence('replacement_replacementtarget', 'id')"
    new = "src WHERE NOT taken"
    made = opening.insert_processes(
        new,
        reference=target_reference.sql("target_id"),
        customer="customer_id",
        unit="unit_id",
        process_id="process_id",
    )
    events = opening.insert_events(
        new, process_id="process_id", customer="customer_id", unit="unit_id"
    )
    cursor.execute(
        "WITH src AS MATERIALIZED ("  # noqa: S608
        " SELECT r.id AS row_id, r.record_id IS NULL AS unlinked,"
        f" COALESCE(r.record_id, nextval({target_seq})) AS target_id,"
        f" nextval({process_seq}) AS process_id, r.customer_id, r.cells,"
        # Scalar subqueries: one index probe per row; a join lets the planner hash all
        # 500,000 customers for each batch of 5,000.
        " (SELECT c.unit_id FROM customers_customer c WHERE c.id = r.customer_id) AS unit_id,"
        f" {opening.taken('r.customer_id')} AS taken"
        " FROM imports_uploadrow r"
        " WHERE r.upload_id = %(upload)s AND r.batch = %(batch)s AND r.status = 'new'"
        " ORDER BY r.row_number),"
        f" made AS ({made}), targets AS ("
        " INSERT INTO replacement_replacementtarget (id, created_at, updated_at, process_id,"
        " customer_id, unit_id, meter_id, source, from_reading_anomaly, programme_name,"
        " damage_type_id, notes, reading_at_discovery, latitude, longitude, reported_at,"
        " reported_by_id, state, state_reason)"
        " SELECT target_id, %(opening_at)s, %(opening_at)s, process_id, customer_id, unit_id,"
        " (SELECT m.id FROM customers_meter m WHERE m.customer_id = src.customer_id"
        "  AND m.removed_at IS NULL),"
        f" %(source)s, {cell('src', '_lbkb')} = '1', COALESCE({cell('src', 'NAMA_PROGRAM')}, ''),"
        f" CAST({cell('src', '_damage_type_id')} AS bigint),"
        f" COALESCE({cell('src', 'KETERANGAN')}, ''),"
        f" CAST({cell('src', 'STAN_SAAT_DITEMUKAN')} AS numeric),"
        f" CAST({cell('src', 'KOORDINAT_Y')} AS numeric),"
        f" CAST({cell('src', 'KOORDINAT_X')} AS numeric),"
        f" %(opening_at)s, %(opening_actor)s, %(opening_state)s, '' FROM {new}),"
        f" events AS ({events}),"
        # Rows staged without a reserved id (checked before ids were reserved) get their link.
        " linked AS (UPDATE imports_uploadrow u SET record_id = src.target_id FROM src"
        " WHERE u.id = src.row_id AND src.unlinked AND NOT src.taken)"
        " UPDATE imports_uploadrow u SET status = 'rejected', record_id = NULL,"
        " error_column = 'IDPEL', reason = %(reason)s FROM src"
        " WHERE u.id = src.row_id AND src.taken",
        {**params, "reason": str(_(NOT_CREATED))},
    )


def _apply_new(cursor, upload, batch: int, opening: Opening, params: dict) -> None:
    rows = "r.upload_id = %(upload)s AND r.batch = %(batch)s AND r.status = 'new'"
    # The one-open-process index skips the customers who have one (ON CONFLICT DO NOTHING);
    # the new processes carry the batch's token as reference until their targets exist.
    cursor.execute(
        opening.insert_processes(
            "imports_uploadrow r JOIN customers_customer c ON c.id = r.customer_id "
            f"WHERE {rows} ORDER BY r.row_number",
            reference="%(token)s",
            customer="r.customer_id",
            unit="c.unit_id",
        )
        + " ON CONFLICT DO NOTHING",
        params,
    )
    # Every statement below starts from the batch's staged rows and reaches each process
    # through the one-open-process-per-customer index, never by scanning core_process.
    own = (
        "imports_uploadrow r JOIN core_process p ON p.customer_id = r.customer_id "
        f"AND p.domain = %(opening_domain)s AND p.is_open WHERE {rows} AND p.reference = %(token)s"
    )
    cursor.execute(
        "INSERT INTO replacement_replacementtarget (created_at, updated_at, process_id, "  # noqa: S608
        "customer_id, unit_id, meter_id, source, from_reading_anomaly, programme_name, "
        "damage_type_id, notes, reading_at_discovery, latitude, longitude, reported_at, "
        "reported_by_id, state, state_reason) "
        "SELECT %(opening_at)s, %(opening_at)s, p.id, p.customer_id, p.unit_id, "
        "(SELECT m.id FROM customers_meter m WHERE m.customer_id = p.customer_id "
        " AND m.removed_at IS NULL), "
        f"%(source)s, {cell('r', '_lbkb')} = '1', COALESCE({cell('r', 'NAMA_PROGRAM')}, ''), "
        f"CAST({cell('r', '_damage_type_id')} AS bigint), COALESCE({cell('r', 'KETERANGAN')}, ''), "
        f"CAST({cell('r', 'STAN_SAAT_DITEMUKAN')} AS numeric), "
        f"CAST({cell('r', 'KOORDINAT_Y')} AS numeric), "
        f"CAST({cell('r', 'KOORDINAT_X')} AS numeric), %(opening_at)s, %(opening_actor)s, "
        f"%(opening_state)s, '' FROM {own}",
        params,
    )
    cursor.execute(
        opening.insert_events(own, process_id="p.id", customer="p.customer_id", unit="p.unit_id"),
        params,
    )
    cursor.execute(
        "UPDATE imports_uploadrow AS u SET record_id = t.id "
        "FROM core_process p JOIN replacement_replacementtarget t ON t.process_id = p.id "
        "WHERE p.customer_id = u.customer_id AND p.domain = %(opening_domain)s AND p.is_open "
        "AND p.reference = %(token)s AND u.upload_id = %(upload)s AND u.batch = %(batch)s "
        "AND u.status = 'new'",
        params,
    )
    cursor.execute(
        f"UPDATE core_process SET reference = {target_reference.sql('t.id')} "  # noqa: S608
        "FROM imports_uploadrow r JOIN replacement_replacementtarget t ON t.id = r.record_id "
        f"WHERE {rows} AND core_process.id = t.process_id AND core_process.reference = %(token)s",
        params,
    )
    reject_rows(
        upload=upload,
        batch=batch,
        status=RowStatus.NEW,
        where="r.record_id IS NULL",
        params=[],
        column="IDPEL",
        reason=str(_(NOT_CREATED)),
    )


def _apply_changed(cursor, upload, batch: int, opening: Opening) -> None:
    target_id = f"CAST({cell('r', '_target_id')} AS bigint)"
    cursor.execute(
        "UPDATE replacement_replacementtarget AS t SET "  # noqa: S608
        f"damage_type_id = CAST({cell('r', '_damage_type_id')} AS bigint), "
        f"notes = COALESCE({cell('r', 'KETERANGAN')}, ''), "
        f"programme_name = COALESCE({cell('r', 'NAMA_PROGRAM')}, ''), "
        f"from_reading_anomaly = from_reading_anomaly OR {cell('r', '_lbkb')} = '1', "
        f"reading_at_discovery = CAST({cell('r', 'STAN_SAAT_DITEMUKAN')} AS numeric), "
        f"latitude = CAST({cell('r', 'KOORDINAT_Y')} AS numeric), "
        f"longitude = CAST({cell('r', 'KOORDINAT_X')} AS numeric), updated_at = %s "
        "FROM imports_uploadrow AS r WHERE r.upload_id = %s AND r.batch = %s "
        f"AND r.status = 'changed' AND t.id = {target_id} AND t.state = %s "
        # SQLite's RETURNING sees only the updated table, by its own name.
        f"RETURNING {'t.id' if is_postgres() else 'id'}",
        [opening.at, upload.pk, batch, TargetState.SUBMITTED],
    )
    updated = [pk for (pk,) in cursor.fetchall()]
    marks = ", ".join(["%s"] * len(updated)) or "NULL"
    if updated:
        record_process_events(
            cursor,
            processes="SELECT t.process_id FROM replacement_replacementtarget t "  # noqa: S608
            f"WHERE t.id IN ({marks})",
            params=updated,
            verb="replacement.updated_by_upload",
            actor=opening.actor,
            note=opening.note,
            at=opening.at,
        )
    cursor.execute(
        "UPDATE imports_uploadrow SET record_id = "  # noqa: S608
        f"CAST({cell('imports_uploadrow', '_target_id')} AS bigint) "
        "WHERE upload_id = %s AND batch = %s AND status = 'changed'",
        [upload.pk, batch],
    )
    reject_rows(
        upload=upload,
        batch=batch,
        status=RowStatus.CHANGED,
        where=f"r.record_id NOT IN ({marks})" if updated else "TRUE",
        params=updated,
        column="IDPEL",
        reason=str(_("Tidak diubah: TO ini sudah diproses lebih lanjut saat berkas diterapkan.")),
    )


def _target_url(pk: int) -> str:
    return reverse("replacement:target_detail", args=[pk])


COMMON_INSTRUCTIONS = (
    "Isi satu baris untuk satu pelanggan; IDPEL harus ada di DIL unit Anda.",
    "Jangan mengubah, menambah atau menghapus judul kolom di baris pertama.",
    "Kolom IDPEL diformat Teks agar nol di depan tidak hilang.",
    "Pilih JENIS_KERUSAKAN dari daftar; daftar diambil dari menu Jenis Kerusakan.",
    "Angka tanpa pemisah ribuan; desimal boleh memakai titik atau koma.",
    "Jangan memakai rumus (formula): tempel sebagai nilai (Paste Values).",
    "LBKB: Y (atau kode LBKB) untuk target dari kelainan baca; pelanggan yang stan terakhirnya "
    "ber-LBKB ditandai LBKB juga. Target LBKB dihapus dari TO hanya dengan BA verifikasi.",
    "Pelanggan yang TO-nya masih menunggu verifikasi diperbarui; yang sudah diverifikasi atau "
    "sudah dicetak PK-nya ditolak dengan alasannya.",
    "Berkas yang sama diunggah dua kali tidak membuat data baru.",
)

TO_EX_DG = ImportTemplate(
    code="to-ex-dg",
    title="TO Ganti Meter Ex DG",
    description="Target ganti meter dari gangguan (Ex DG), kumulatif.",
    columns=_columns(programme=False),
    key_columns=("IDPEL",),
    classify=_classifier(TargetSource.FAULT),
    apply=_applier(TargetSource.FAULT, "TO Ganti Meter Ex DG"),
    roles=TO_UPLOAD_ROLES,
    scope=Scope.CUSTOMER,
    instructions=COMMON_INSTRUCTIONS,
    record_url=_target_url,
    record_label=target_reference,
)

TO_NON_EX_DG = ImportTemplate(
    code="to-non-ex-dg",
    title="TO Ganti Meter Non Ex DG",
    description="Target ganti meter program (Non Ex DG), dengan nama programnya.",
    columns=_columns(programme=True),
    key_columns=("IDPEL",),
    classify=_classifier(TargetSource.PROGRAMME),
    apply=_applier(TargetSource.PROGRAMME, "TO Ganti Meter Non Ex DG"),
    roles=TO_UPLOAD_ROLES,
    scope=Scope.CUSTOMER,
    instructions=(
        *COMMON_INSTRUCTIONS,
        "NAMA_PROGRAM wajib diisi; untuk program ganti meter disesuaikan dengan nama programnya.",
    ),
    record_url=_target_url,
    record_label=target_reference,
)
