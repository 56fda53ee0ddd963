"""Replay memory: bounded, time-windowed, atomic; in memory or shared through SQLite."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from smsxml.signature import MemoryNonceStore, SQLiteNonceStore


@pytest.fixture(params=["memory", "sqlite"])
def make_store(request, tmp_path):
    def make(capacity: int = 100, window: float = 60.0):
        if request.param == "memory":
            return MemoryNonceStore(capacity, window)
        return SQLiteNonceStore(tmp_path / "nonces.db", capacity, window)

    return make


def test_a_store_remembers_the_first_fingerprint(make_store) -> None:
    store = make_store()
    assert store.remember("n1", "a") is None
    assert store.remember("n1", "a") == "a"  # an identical repeat
    assert store.remember("n1", "b") == "a"  # another request: the first one is kept
    assert store.remember("n2", "b") is None


def test_a_store_is_bounded(make_store) -> None:
    store = make_store(capacity=3)
    for nonce in "abcd":
        assert store.remember(nonce, "f") is None
    assert store.remember("a", "g") is None  # the oldest was forgotten
    assert store.remember("d", "g") == "f"


def test_a_store_forgets_after_its_window(make_store) -> None:
    store = make_store(window=0.2)
    store.remember("n", "a")
    time.sleep(0.3)
    assert store.remember("n", "b") is None


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        MemoryNonceStore(capacity=0)
    with pytest.raises(ValueError):
        MemoryNonceStore(window=0)


def _take(path: str, nonces: list[str], out: multiprocessing.Queue) -> None:
    store = SQLiteNonceStore(path)
    out.put([n for n in nonces if store.remember(n, "mine") is None])


def test_two_processes_share_one_sqlite_store(tmp_path: Path) -> None:
    """Each nonce is new to exactly one of two processes racing for the same 200."""
    path = str(tmp_path / "shared.db")
    SQLiteNonceStore(path).close()  # create the table before the race
    nonces = [f"{i:020d}" for i in range(200)]
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    workers = [ctx.Process(target=_take, args=(path, nonces, out)) for _ in range(2)]
    for worker in workers:
        worker.start()
    taken = [out.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(taken[0] + taken[1]) == nonces
    assert not set(taken[0]) & set(taken[1])


def test_an_empty_store_given_is_the_one_used() -> None:
    """An empty MemoryNonceStore is falsy (it has a length): it must still be the one used."""
    from smsxml.webhook import WebhookApp
    from smsxml.xml import Response

    store = MemoryNonceStore()
    app = WebhookApp(lambda m: Response(), "MAstoreTOKEN-0123456789ab", nonce_store=store)
    assert app.nonce_store is store
