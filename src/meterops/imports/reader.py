"""Opening an uploaded file safely: its rows come from a child process with limits.

The reading itself (what the file really is, its extent, calamine) is in ``parsing``, plain
Python run as a child process under ``IMPORT_READER_MEMORY_BYTES`` of address space and
``IMPORT_READER_CPU_SECONDS`` of CPU. Whatever the parser does — a native abort, running out of
memory, looping — only the child dies; the worker refuses that one file with a message and goes
on to the next task (issue #17: a 4.8 KB sheet with a cell at XFD1048576 aborted the worker).
"""

import datetime
import fcntl
import io
import logging
import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

from django.conf import settings

import meterops

from .parsing import EMPTY_FILE, OLE2_MAGIC, FileRefused, Limits, job_argument

__all__ = ["OLE2_MAGIC", "FileRefused", "ReaderStopped", "check_size", "header_of", "read_rows"]

logger = logging.getLogger(__name__)
# Blank columns right of the template's a sheet may carry (cells formatted or cleared there by
# hand): more than this is refused before calamine makes room for every row of them.
SPARE_COLUMNS = 20
# What a row may hold besides the builtins pickle needs no class for: calamine's date cells.
ALLOWED_CLASSES = {
    ("datetime", "datetime"): datetime.datetime,
    ("datetime", "date"): datetime.date,
    ("datetime", "time"): datetime.time,
    ("datetime", "timedelta"): datetime.timedelta,
}


class ReaderStopped(FileRefused):
    """The child reading the file died (signal, memory, CPU limit) before it finished."""


def max_upload_bytes() -> int:
    return settings.IMPORT_MAX_UPLOAD_BYTES


def max_unzipped_bytes() -> int:
    return settings.IMPORT_MAX_UNZIPPED_BYTES


def check_size(size: int) -> None:
    """A file over IMPORT_MAX_UPLOAD_BYTES is refused, and so is an empty one (issue #17: an
    empty file was told to "choose a file")."""
    if size == 0:
        raise FileRefused(EMPTY_FILE)
    limit = max_upload_bytes()
    if size > limit:
        raise FileRefused(
            f"Berkas terlalu besar ({size / 1048576:.1f} MB); batasnya {limit / 1048576:.0f} MB. "
            "Pecah menjadi beberapa berkas."
        )


def limits_for(columns: int) -> Limits:
    """The limits of one file of a template with ``columns`` columns (error report's included)."""
    return Limits(
        max_unzipped_bytes=max_unzipped_bytes(),
        max_rows=settings.IMPORT_MAX_ROWS,
        max_columns=columns + SPARE_COLUMNS,
        memory_bytes=settings.IMPORT_READER_MEMORY_BYTES,
        cpu_seconds=settings.IMPORT_READER_CPU_SECONDS,
    )


class _RowsUnpickler(pickle.Unpickler):
    """Rows only: lists of builtins and dates, never an arbitrary class (the child has read a
    hostile file; what it sends is taken as data, not as code)."""

    def find_class(self, module: str, name: str):
        try:
            return ALLOWED_CLASSES[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name}") from None


def read_rows(path: Path, name: str, *, columns: int) -> Iterator[list]:
    """Every row of the file (the first sheet of a workbook), header first, read by a child.

    Refuses the file (``FileRefused``) with the child's reason, or ``ReaderStopped`` if the
    child dies; the child is always gone when this generator ends, however it ends.
    """
    limits = limits_for(columns)
    # The child imports this very package (a worktree's or the installed one), not the cwd's.
    package_root = str(Path(meterops.__file__).resolve().parents[1])
    paths = [package_root, *filter(None, [os.environ.get("PYTHONPATH")])]
    child = subprocess.Popen(  # noqa: S603 - our own module, arguments we built
        [sys.executable, "-P", "-m", "meterops.imports.parsing", job_argument(path, name, limits)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
        close_fds=True,
    )
    # A roomier pipe (Linux) lets the child read ahead while this process converts and stages.
    with suppress(OSError, AttributeError):
        fcntl.fcntl(child.stdout.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
    try:
        stream = io.BufferedReader(child.stdout, buffer_size=1 << 20)
        while True:
            try:
                kind, payload = _RowsUnpickler(stream).load()
            except (EOFError, pickle.UnpicklingError, ValueError, TypeError):
                raise _stopped(child, limits) from None
            if kind == "rows":
                yield from payload
            elif kind == "refused":
                raise FileRefused(payload)
            else:
                return
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
        child.wait()


def _stopped(child: subprocess.Popen, limits: Limits) -> ReaderStopped:
    status = child.wait()
    logger.warning("upload reader pid %s stopped with status %s", child.pid, status)
    if status in (-signal.SIGXCPU, -signal.SIGKILL):
        reason = f"melampaui batas waktu baca ({limits.cpu_seconds} detik CPU)"
    else:
        reason = (
            f"berhenti tiba-tiba, misalnya karena melampaui batas memori "
            f"({limits.memory_bytes // 1048576} MB)"
        )
    return ReaderStopped(
        f"Berkas tidak bisa dibaca: pembacanya {reason}. Kemungkinan berkas rusak atau "
        "dibuat untuk membebani sistem. Tidak ada data yang diubah; simpan ulang dari Excel "
        "sebagai .xlsx lalu unggah lagi, atau pecah menjadi beberapa berkas."
    )


def header_of(raw: list) -> list[str]:
    return [str(c).strip().upper() if c is not None else "" for c in raw]
