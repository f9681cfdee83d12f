"""Strictly increasing TIDs per meter and base date, for every token made for a meter (issue #18).

A token's TID is its issue minute counted from the key's base date; a meter refuses a TID it
has already seen (IEC 62055-41, 6.3.5). Two tokens for one meter in the same minute would
share a TID and the second would be refused: the customer pays twice and gets one credit.
So each token takes the next free minute: the issue minute, or one past the meter's last TID
when that minute is taken. The counter row is updated with one INSERT ... ON CONFLICT per
batch; on PostgreSQL that row stays locked until the sale commits, so two counters selling to
one meter at the same moment get consecutive TIDs.
"""

from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from datetime import datetime

from django.db import connection

from meterops import sts

from .models import TidCounter

ROWS_PER_STATEMENT = 2000  # 4 parameters each, within SQLite's 32 766
UPSERT = (
    "INSERT INTO {table} (meter_number, base_date, last_tid, tokens) VALUES {values} "
    "ON CONFLICT (meter_number, base_date) DO UPDATE SET "
    "last_tid = {greatest}(excluded.last_tid, {table}.last_tid + excluded.tokens), "
    "tokens = {table}.tokens + excluded.tokens "
    "RETURNING meter_number, base_date, last_tid"
)


def reserve_issue_times(
    wanted: Iterable[tuple[str, int]], *, at: datetime
) -> dict[tuple[str, int], list[datetime]]:
    """Issue times for tokens of (meter number, base date) pairs, each a TID above the last one.

    A pair named n times gets n increasing times. Call it inside the transaction that stores
    the tokens: if that transaction rolls back, so do the reservations. Raises TidOutOfRange
    when ``at`` or a reserved TID is outside the base date's range.
    """
    needed = Counter((str(number), int(base)) for number, base in wanted)
    reserved: dict[tuple[str, int], list[datetime]] = {}
    rows = sorted(needed.items())  # one lock order, so two batches cannot deadlock
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        batch = rows[start : start + ROWS_PER_STATEMENT]
        params = []
        for (number, base), count in batch:
            floor = sts.tid_for(at, sts.BaseDate(base))
            params += [number, base, floor + count - 1, count]
        for number, base, last in _upsert(batch, params):
            count = needed[(number, base)]
            reserved[(number, base)] = [
                sts.issue_time(tid, sts.BaseDate(base)) for tid in range(last - count + 1, last + 1)
            ]
    return reserved


def _upsert(batch: list, params: list) -> list[tuple[str, int, int]]:
    sql = UPSERT.format(
        table=TidCounter._meta.db_table,
        values=", ".join(["(%s, %s, %s, %s)"] * len(batch)),
        greatest="GREATEST" if connection.vendor == "postgresql" else "MAX",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(number, int(base), int(last)) for number, base, last in cursor.fetchall()]


class IssueClock:
    """Hands out the issue times of one job's tokens: reserved in bulk ahead, or one at a time."""

    def __init__(self, at: datetime) -> None:
        self.at = at
        self._times: dict[tuple[str, int], deque[datetime]] = defaultdict(deque)

    def reserve(self, wanted: Iterable[tuple[str, int]]) -> None:
        """Reserve ahead, in one statement per 2 000 meters, the tokens a batch job will make."""
        for key, times in reserve_issue_times(wanted, at=self.at).items():
            self._times[key].extend(times)

    def next_time(self, meter_number: str, base_date: int) -> datetime:
        """The issue time of the next token for the meter under ``base_date``."""
        key = (str(meter_number), int(base_date))
        if not self._times[key]:
            self.reserve([key])
        return self._times[key].popleft()
