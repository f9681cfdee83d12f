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
from meterops.imports.registry import Column, ImportTemplate, Kind, RowStatus, Scope
from meterops.imports.staging import cell, is_postgres, many, reject_rows, zero_padded

from .choices import TargetSource, TargetState
from .models import DamageType, ReplacementTarget

TO_UPLOAD_ROLES = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR)


def _damage_names() -> tuple[str, ...]:
    return tuple(DamageType.objects.filter(is_active=True).values_list("name", flat=True))


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
        Column("KETERANGAN", Kind.TEXT, max_length=500, note="Catatan kondisi (boleh kosong)."),
    ]
    return tuple(columns)


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
    )


def _classifier(source: str):
    def classify(rows, *, actor, template) -> None:
        """New target, unchanged, changed (still waiting for verification) or rejected."""
        damage_ids = dict(DamageType.objects.filter(is_active=True).values_list("name", "pk"))
        customer_ids = many([r.customer_id for r in rows], "bigint")
        open_targets = {
            t.customer_id: t
            for t in ReplacementTarget.objects.filter(
                customer_id__in=customer_ids, process__is_open=True
            )
        }
        for row in rows:
            damage_type_id = damage_ids[row.cells["JENIS_KERUSAKAN"]]
            row.cells["_damage_type_id"] = damage_type_id
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
        now = timezone.now()
        token = f"IMPORT-{upload.pk}-{batch}"
        note = f"Upload {title} #{upload.pk}"
        with connection.cursor() as cursor:
            if is_postgres():
                _apply_new_postgres(cursor, upload, batch, actor, source, now, note)
            else:
                _apply_new(cursor, upload, batch, actor, source, now, token, note)
            _apply_changed(cursor, upload, batch, actor, now, note)

    return apply


NOT_CREATED = (
    "Tidak dibuat: pelanggan sudah punya proses ganti meter yang terbuka "
    "(dibuat oleh upload atau petugas lain saat berkas ini diterapkan)."
)


def _apply_new_postgres(cursor, upload, batch, actor, source, now, note) -> None:
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
    cursor.execute(
        "WITH src AS MATERIALIZED ("  # noqa: S608
        " SELECT r.id AS row_id, r.record_id IS NULL AS unlinked,"
        f" COALESCE(r.record_id, nextval({target_seq})) AS target_id,"
        f" nextval({process_seq}) AS process_id, r.customer_id, r.cells,"
        # Scalar subqueries: one index probe per row; a join or EXISTS lets the planner hash
        # all 500,000 customers (or every open process) for each batch of 5,000.
        " (SELECT c.unit_id FROM customers_customer c WHERE c.id = r.customer_id) AS unit_id,"
        " (SELECT TRUE FROM core_process p WHERE p.customer_id = r.customer_id"
        "  AND p.domain = %(domain)s AND p.is_open LIMIT 1) IS NOT NULL AS taken"
        " FROM imports_uploadrow r"
        " WHERE r.upload_id = %(upload)s AND r.batch = %(batch)s AND r.status = 'new'"
        " ORDER BY r.row_number),"
        " made AS ("
        " INSERT INTO core_process (id, created_at, updated_at, customer_id, unit_id, domain,"
        " kind, reference, state, state_label, is_open, opened_at)"
        " SELECT process_id, %(now)s, %(now)s, customer_id, unit_id, %(domain)s, %(kind)s,"
        f" 'TO-' || {zero_padded('target_id', 7)}, %(state)s, %(label)s, TRUE, %(now)s"
        " FROM src WHERE NOT taken),"
        " targets AS ("
        " INSERT INTO replacement_replacementtarget (id, created_at, updated_at, process_id,"
        " customer_id, unit_id, meter_id, source, from_reading_anomaly, programme_name,"
        " damage_type_id, notes, reading_at_discovery, latitude, longitude, reported_at,"
        " reported_by_id, state, state_reason)"
        " SELECT target_id, %(now)s, %(now)s, process_id, customer_id, unit_id,"
        " (SELECT m.id FROM customers_meter m WHERE m.customer_id = src.customer_id"
        "  AND m.removed_at IS NULL),"
        f" %(source)s, FALSE, COALESCE({cell('src', 'NAMA_PROGRAM')}, ''),"
        f" CAST({cell('src', '_damage_type_id')} AS bigint),"
        f" COALESCE({cell('src', 'KETERANGAN')}, ''),"
        f" CAST({cell('src', 'STAN_SAAT_DITEMUKAN')} AS numeric),"
        f" CAST({cell('src', 'KOORDINAT_Y')} AS numeric),"
        f" CAST({cell('src', 'KOORDINAT_X')} AS numeric),"
        " %(now)s, %(actor)s, %(state)s, '' FROM src WHERE NOT taken),"
        " events AS ("
        " INSERT INTO core_processevent (process_id, customer_id, unit_id, domain, verb,"
        " from_state, to_state, state_label, actor_id, at, note, attachment)"
        " SELECT process_id, customer_id, unit_id, %(domain)s, 'replacement.opened', '',"
        " %(state)s, %(label)s, %(actor)s, %(now)s, %(note)s, '' FROM src WHERE NOT taken),"
        # Rows staged without a reserved id (checked before ids were reserved) get their link.
        " linked AS (UPDATE imports_uploadrow u SET record_id = src.target_id FROM src"
        " WHERE u.id = src.row_id AND src.unlinked AND NOT src.taken)"
        " UPDATE imports_uploadrow u SET status = 'rejected', record_id = NULL,"
        " error_column = 'IDPEL', reason = %(reason)s FROM src"
        " WHERE u.id = src.row_id AND src.taken",
        {
            "upload": upload.pk,
            "batch": batch,
            "now": now,
            "domain": Domain.REPLACEMENT,
            "kind": str(_("Target ganti meter")),
            "state": TargetState.SUBMITTED,
            "label": str(TargetState.SUBMITTED.label),
            "source": source,
            "actor": actor.pk,
            "note": note,
            "reason": str(_(NOT_CREATED)),
        },
    )


def _apply_new(cursor, upload, batch, actor, source, now, token, note) -> None:
    rows = "r.upload_id = %s AND r.batch = %s AND r.status = 'new'"
    cursor.execute(
        "INSERT INTO core_process (created_at, updated_at, customer_id, unit_id, domain, kind, "  # noqa: S608
        "reference, state, state_label, is_open, opened_at) "
        "SELECT %s, %s, r.customer_id, c.unit_id, %s, %s, %s, %s, %s, TRUE, %s "
        "FROM imports_uploadrow r JOIN customers_customer c ON c.id = r.customer_id "
        f"WHERE {rows} ORDER BY r.row_number ON CONFLICT DO NOTHING",
        [
            now,
            now,
            Domain.REPLACEMENT,
            str(_("Target ganti meter")),
            token,
            TargetState.SUBMITTED,
            str(TargetState.SUBMITTED.label),
            now,
            upload.pk,
            batch,
        ],
    )
    # Every statement below starts from the batch's staged rows and reaches each process
    # through the one-open-process-per-customer index, never by scanning core_process.
    own = (
        "JOIN core_process p ON p.customer_id = r.customer_id AND p.domain = %s AND p.is_open "
        f"WHERE {rows} AND p.reference = %s"
    )
    cursor.execute(
        "INSERT INTO replacement_replacementtarget (created_at, updated_at, process_id, "  # noqa: S608
        "customer_id, unit_id, meter_id, source, from_reading_anomaly, programme_name, "
        "damage_type_id, notes, reading_at_discovery, latitude, longitude, reported_at, "
        "reported_by_id, state, state_reason) "
        "SELECT %s, %s, p.id, p.customer_id, p.unit_id, "
        "(SELECT m.id FROM customers_meter m WHERE m.customer_id = p.customer_id "
        " AND m.removed_at IS NULL), "
        f"%s, FALSE, COALESCE({cell('r', 'NAMA_PROGRAM')}, ''), "
        f"CAST({cell('r', '_damage_type_id')} AS bigint), COALESCE({cell('r', 'KETERANGAN')}, ''), "
        f"CAST({cell('r', 'STAN_SAAT_DITEMUKAN')} AS numeric), "
        f"CAST({cell('r', 'KOORDINAT_Y')} AS numeric), "
        f"CAST({cell('r', 'KOORDINAT_X')} AS numeric), %s, %s, %s, '' "
        f"FROM imports_uploadrow r {own}",
        [
            now,
            now,
            source,
            now,
            actor.pk,
            TargetState.SUBMITTED,
            Domain.REPLACEMENT,
            upload.pk,
            batch,
            token,
        ],
    )
    cursor.execute(
        "INSERT INTO core_processevent (process_id, customer_id, unit_id, domain, verb, "  # noqa: S608
        "from_state, to_state, state_label, actor_id, at, note, attachment) "
        "SELECT p.id, p.customer_id, p.unit_id, p.domain, %s, '', p.state, p.state_label, %s, "
        f"%s, %s, '' FROM imports_uploadrow r {own}",
        ["replacement.opened", actor.pk, now, note, Domain.REPLACEMENT, upload.pk, batch, token],
    )
    cursor.execute(
        "UPDATE imports_uploadrow AS u SET record_id = t.id "
        "FROM core_process p JOIN replacement_replacementtarget t ON t.process_id = p.id "
        "WHERE p.customer_id = u.customer_id AND p.domain = %s AND p.is_open "
        "AND p.reference = %s AND u.upload_id = %s AND u.batch = %s AND u.status = 'new'",
        [Domain.REPLACEMENT, token, upload.pk, batch],
    )
    cursor.execute(
        f"UPDATE core_process SET reference = 'TO-' || {zero_padded('t.id', 7)} "  # noqa: S608
        "FROM imports_uploadrow r JOIN replacement_replacementtarget t ON t.id = r.record_id "
        f"WHERE {rows} AND core_process.id = t.process_id AND core_process.reference = %s",
        [upload.pk, batch, token],
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


def _apply_changed(cursor, upload, batch, actor, now, note) -> None:
    target_id = f"CAST({cell('r', '_target_id')} AS bigint)"
    cursor.execute(
        "UPDATE replacement_replacementtarget AS t SET "  # noqa: S608
        f"damage_type_id = CAST({cell('r', '_damage_type_id')} AS bigint), "
        f"notes = COALESCE({cell('r', 'KETERANGAN')}, ''), "
        f"programme_name = COALESCE({cell('r', 'NAMA_PROGRAM')}, ''), "
        f"reading_at_discovery = CAST({cell('r', 'STAN_SAAT_DITEMUKAN')} AS numeric), "
        f"latitude = CAST({cell('r', 'KOORDINAT_Y')} AS numeric), "
        f"longitude = CAST({cell('r', 'KOORDINAT_X')} AS numeric), updated_at = %s "
        "FROM imports_uploadrow AS r WHERE r.upload_id = %s AND r.batch = %s "
        f"AND r.status = 'changed' AND t.id = {target_id} AND t.state = %s "
        # SQLite's RETURNING sees only the updated table, by its own name.
        f"RETURNING {'t.id' if is_postgres() else 'id'}",
        [now, upload.pk, batch, TargetState.SUBMITTED],
    )
    updated = [pk for (pk,) in cursor.fetchall()]
    if updated:
        marks = ", ".join(["%s"] * len(updated))
        cursor.execute(
            "INSERT INTO core_processevent (process_id, customer_id, unit_id, domain, verb, "  # noqa: S608
            "from_state, to_state, state_label, actor_id, at, note, attachment) "
            "SELECT p.id, p.customer_id, p.unit_id, p.domain, %s, p.state, p.state, "
            "p.state_label, %s, %s, %s, '' FROM replacement_replacementtarget t "
            f"JOIN core_process p ON p.id = t.process_id WHERE t.id IN ({marks})",
            ["replacement.updated_by_upload", actor.pk, now, note, *updated],
        )
    cursor.execute(
        "UPDATE imports_uploadrow SET record_id = "  # noqa: S608
        f"CAST({cell('imports_uploadrow', '_target_id')} AS bigint) "
        "WHERE upload_id = %s AND batch = %s AND status = 'changed'",
        [upload.pk, batch],
    )
    marks = ", ".join(["%s"] * len(updated)) or "NULL"
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


def _target_label(pk: int) -> str:
    return f"TO-{pk:07d}"


COMMON_INSTRUCTIONS = (
    "Isi satu baris untuk satu pelanggan; IDPEL harus ada di DIL unit Anda.",
    "Jangan mengubah, menambah atau menghapus judul kolom di baris pertama.",
    "Kolom IDPEL diformat Teks agar nol di depan tidak hilang.",
    "Pilih JENIS_KERUSAKAN dari daftar; daftar diambil dari menu Jenis Kerusakan.",
    "Angka tanpa pemisah ribuan; desimal boleh memakai titik atau koma.",
    "Jangan memakai rumus (formula): tempel sebagai nilai (Paste Values).",
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
    record_label=_target_label,
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
    record_label=_target_label,
)
