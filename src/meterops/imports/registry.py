"""The declarations every domain plugs into the upload pipeline with (docs/IMPORTS.md).

A domain declares one ``ImportTemplate`` per spreadsheet it accepts and registers it from its
AppConfig.ready(). The pipeline reads the file, converts every cell by its ``Column``, rejects
duplicate keys and rows outside the uploader's scope, asks the domain to classify the rest
(new / changed / unchanged / rejected) and, once the user confirms, hands the domain one batch at
a time to apply set-based inside one transaction.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _


class Kind(StrEnum):
    """How a cell is read; each kind has one converter in imports.cells."""

    TEXT = "text"
    IDPEL = "idpel"  # 12 digits; a number that lost its leading zeros is padded back
    INTEGER = "integer"  # thousand separators accepted when unambiguous
    DECIMAL = "decimal"
    DATE = "date"  # a date cell, or text YYYY-MM-DD / DD-MM-YYYY / DD/MM/YYYY
    # A date-and-time cell, or text "YYYY-MM-DD HH:MM[:SS]" / "DD-MM-YYYY HH:MM[:SS]"; a date
    # alone is its 00:00. Kept naive (the wall clock of the row's unit), ISO "YYYY-MM-DDTHH:MM:SS".
    DATETIME = "datetime"
    CHOICE = "choice"  # one of ``choices`` (a tuple, or a callable returning one)


class Scope(StrEnum):
    """The rule that keeps an upload inside the uploader's units."""

    CUSTOMER = "customer"  # the IDPEL column names a DIL customer the uploader sees
    UNIT_CODE = "unit_code"  # the IDPEL's first five digits are a ULP the uploader sees (DIL)
    # The KODE_ULP column names a ULP the uploader sees (rows of no customer: the prepaid meter
    # stock); the ULP's pk goes into the row's cells as "_unit_id" for classify and apply.
    ULP_CODE = "ulp_code"


ULP_COLUMN = "KODE_ULP"  # the column Scope.ULP_CODE reads


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    required: bool = False
    max_length: int | None = None
    choices: Sequence[str] | Callable[[], Sequence[str]] = ()
    note: str = ""
    example: Any = ""
    # Each validator takes the converted value and returns an Indonesian message, or None.
    validators: tuple[Callable[[Any], str | None], ...] = ()
    minimum: Any = None
    maximum: Any = None

    def choice_values(self) -> tuple[str, ...]:
        values = self.choices() if callable(self.choices) else self.choices
        return tuple(str(v) for v in values)


class RowStatus(StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(slots=True)
class CheckedRow:
    """One data row after conversion: what a domain's ``classify`` looks at and marks."""

    row_number: int
    cells: dict[str, Any]
    raw: list[str]
    customer_id: int | None = None  # customers.Customer pk, set by the scope rule
    # The record this row will create, when classify reserves its id ahead (PostgreSQL
    # sequences); staged as UploadRow.record_id. Apply clears it on a row it rejects.
    record_id: int | None = None
    status: RowStatus = RowStatus.NEW
    column: str = ""
    reason: str = ""

    def reject(self, column: str, reason: str) -> None:
        if self.status != RowStatus.REJECTED:
            self.status, self.column, self.reason = RowStatus.REJECTED, column, reason

    @property
    def ok(self) -> bool:
        return self.status != RowStatus.REJECTED


# classify(rows, *, actor, template) -> None: marks each row NEW/CHANGED/UNCHANGED or reject()s
# it, with a few set-based queries for the whole list (never a query per row).
Classifier = Callable[..., None]
# apply(*, upload, batch, actor) -> None: writes the batch's staged rows (imports.UploadRow with
# upload=upload, batch=batch, status new/changed) set-based, inside the batch's transaction, and
# sets UploadRow.record_id of what it created; rows it cannot apply after all it must reject
# (imports.staging.reject_rows), never skip silently.
Applier = Callable[..., None]


@dataclass(frozen=True)
class ImportTemplate:
    code: str  # url-safe, e.g. "to-ex-dg"
    title: str  # Indonesian, as in the menu
    columns: tuple[Column, ...]
    key_columns: tuple[str, ...]  # a row's identity; a repeated key inside one file is rejected
    classify: Classifier
    apply: Applier
    roles: tuple[str, ...]
    scope: Scope = Scope.CUSTOMER
    instructions: tuple[str, ...] = ()  # Indonesian lines for the template's instruction sheet
    record_url: Callable[[int], str] | None = None  # link of a created record on the history page
    record_label: Callable[[int], str] = field(default=lambda pk: f"#{pk}")
    description: str = ""

    @property
    def url_name(self) -> str:
        return "template_" + self.code.replace("-", "_")

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    def column(self, header: str) -> Column:
        return next(c for c in self.columns if c.header == header)


TEMPLATES: dict[str, ImportTemplate] = {}
# The heading over the upload pages, under the HOME menu's own "Upload" (the uploads made):
# one word twice in a row read as a mistake (issue #20).
UPLOAD_SECTION = _("Jenis Upload")


def register_template(template: ImportTemplate) -> None:
    """Call from the domain's AppConfig.ready(); the Upload menu lists templates in this order."""
    from meterops.core.menu import MenuEntry, register_menu

    TEMPLATES[template.code] = template
    register_menu(
        MenuEntry(
            template.title,
            f"imports:{template.url_name}",
            "file-earmark-arrow-up",
            tuple(template.roles),
        ),
        section=UPLOAD_SECTION,
    )


def get_template(code: str) -> ImportTemplate:
    return TEMPLATES[code]


def templates_for(user) -> list[ImportTemplate]:
    return [t for t in TEMPLATES.values() if user.has_role(*t.roles)]
