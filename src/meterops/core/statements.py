"""Compiled SQL kept by key, for statements a request builds the same way for the same key."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

Statement = tuple[str, list] | None


class CompiledStatements:
    """The SQL and parameters the ORM compiled for a key; the ``kept`` most recently used.

    Building and compiling a queryset costs the ORM about a millisecond of CPU, running its SQL
    a few hundredths of one: for a statement that depends only on its key (an officer, a unit
    path) the text is kept and the statement runs fresh on every request (issue #22). The key
    must hold everything the statement reads of its caller.
    """

    def __init__(self, kept: int = 4096) -> None:
        self.kept = kept
        self._statements: OrderedDict[Hashable, Statement] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compile_statement: Callable[[], Statement]) -> Statement:
        with self._lock:
            if key in self._statements:
                self._statements.move_to_end(key)
                return self._statements[key]
        statement = compile_statement()
        with self._lock:
            self._statements[key] = statement
            while len(self._statements) > self.kept:
                self._statements.popitem(last=False)
        return statement
