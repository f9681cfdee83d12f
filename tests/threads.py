"""Run calls at the same moment, each in its own thread and database connection, as two
requests or two workers would (PostgreSQL tests: SQLite serialises whole transactions)."""

import threading

from django.db import connection


def at_once(*calls) -> list[BaseException]:
    """Start ``calls`` together behind a barrier, wait for all; returns what they raised."""
    barrier, raised = threading.Barrier(len(calls)), []

    def run(call):
        try:
            barrier.wait()
            call()
        except Exception as exc:  # the caller asserts on the list
            raised.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return raised
