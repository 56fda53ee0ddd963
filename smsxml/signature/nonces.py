"""Replay memory: which signed nonces were seen, and for which request.

V2 signs the URL and a nonce, not the body: anyone who saw one genuine request can send its
headers again with another body. The policy (:mod:`.policy`) therefore remembers each
validated nonce with a fingerprint of what it signed for (method, URL, body). The same nonce
with the same fingerprint is a duplicate — a retry, or a seeded run repeated — and is let
through, marked; the same nonce with another fingerprint is a replay, and is refused.

A store answers one question atomically: "remember this nonce for this fingerprint; what
fingerprint did you have for it already?". :class:`MemoryNonceStore` serves one process;
:class:`SQLiteNonceStore` (the standard library's SQLite, one file) is shared by several
server processes, e.g. gunicorn workers. Both are bounded in size and in time.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

__all__ = [
    "DEFAULT_CAPACITY",
    "DEFAULT_WINDOW",
    "NonceStore",
    "MemoryNonceStore",
    "SQLiteNonceStore",
]

#: How many nonces a store keeps at most (the oldest go first).
DEFAULT_CAPACITY = 10_000
#: How long a nonce is remembered, in seconds: a day covers every retry Plivo documents
#: (four attempts within 7 minutes; inbound callbacks retried for up to 24 hours).
DEFAULT_WINDOW = 24 * 60 * 60.0


class NonceStore(Protocol):
    """Anything that can remember nonces for the policy (see the module's docstring), and
    the replies a webhook gave (``recall``/``keep``: its answer to a retried message)."""

    def remember(self, nonce: str, fingerprint: str) -> str | None:
        """Remember ``nonce`` for ``fingerprint``; return the fingerprint it was remembered
        for before (None: a nonce not seen within the window)."""
        ...

    def recall(self, key: str) -> str | None:
        """The value kept under ``key`` within the window (None: none)."""
        ...

    def keep(self, key: str, value: str) -> None:
        """Keep ``value`` under ``key`` (replacing what was there)."""
        ...


class MemoryNonceStore:
    """Nonces in this process's memory: the last ``capacity`` seen within ``window`` s."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, window: float = DEFAULT_WINDOW):
        if capacity < 1 or window <= 0:
            raise ValueError("a nonce store keeps at least one nonce for some time")
        self.capacity, self.window = capacity, window
        self._seen: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<MemoryNonceStore {len(self._seen)} of {self.capacity}, {self.window:g} s>"

    def __len__(self) -> int:
        return len(self._seen)

    def remember(self, nonce: str, fingerprint: str) -> str | None:
        now = time.monotonic()
        with self._lock:
            while self._seen:  # forget what is older than the window (oldest first)
                _, (_, seen) = next(iter(self._seen.items()))
                if now - seen <= self.window:
                    break
                self._seen.popitem(last=False)
            before = self._seen.get(nonce)
            if before is not None:
                return before[0]
            self._seen[nonce] = (fingerprint, now)
            if len(self._seen) > self.capacity:
                self._seen.popitem(last=False)
            return None

    def recall(self, key: str) -> str | None:
        with self._lock:
            found = self._seen.get(key)
            if found is None or time.monotonic() - found[1] > self.window:
                return None
            return found[0]

    def keep(self, key: str, value: str) -> None:
        with self._lock:
            self._seen.pop(key, None)
            self._seen[key] = (value, time.monotonic())
            if len(self._seen) > self.capacity:
                self._seen.popitem(last=False)


class SQLiteNonceStore:
    """Nonces in an SQLite file, shared by every process that opens the same ``path``.

    Each :meth:`remember` is one transaction (``BEGIN IMMEDIATE``), so two workers that
    receive the same nonce at once cannot both take it as new.
    """

    def __init__(
        self,
        path: str | Path,
        capacity: int = DEFAULT_CAPACITY,
        window: float = DEFAULT_WINDOW,
    ):
        import sqlite3  # only here: most apps never need it (keeps import smsxml light)

        if capacity < 1 or window <= 0:
            raise ValueError("a nonce store keeps at least one nonce for some time")
        self.path, self.capacity, self.window = Path(path), capacity, window
        self._lock = threading.Lock()
        self._db: sqlite3.Connection = sqlite3.connect(
            self.path, timeout=10.0, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS nonces "
            "(nonce TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, seen REAL NOT NULL)"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS nonces_seen ON nonces (seen)")

    def __repr__(self) -> str:
        return f"<SQLiteNonceStore {self.path}, {self.capacity}, {self.window:g} s>"

    def remember(self, nonce: str, fingerprint: str) -> str | None:
        now = time.time()  # wall clock: shared by processes, unlike monotonic time
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM nonces WHERE seen < ?", (now - self.window,))
                row = db.execute(
                    "SELECT fingerprint FROM nonces WHERE nonce = ?", (nonce,)
                ).fetchone()
                if row is None:
                    db.execute(
                        "INSERT INTO nonces (nonce, fingerprint, seen) VALUES (?, ?, ?)",
                        (nonce, fingerprint, now),
                    )
                    db.execute(
                        "DELETE FROM nonces WHERE nonce IN (SELECT nonce FROM nonces "
                        "ORDER BY seen DESC LIMIT -1 OFFSET ?)",
                        (self.capacity,),
                    )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return None if row is None else str(row[0])

    def recall(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT fingerprint FROM nonces WHERE nonce = ? AND seen >= ?",
                (key, time.time() - self.window),
            ).fetchone()
        return None if row is None else str(row[0])

    def keep(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO nonces (nonce, fingerprint, seen) VALUES (?, ?, ?)",
                (key, value, time.time()),
            )

    def close(self) -> None:
        self._db.close()
