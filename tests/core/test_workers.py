"""The worker-pool plumbing shared by import and export."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

from gallery_app.core.workers import PendingFutures


def test_pending_futures_reports_each_finished_future_once_in_finishing_order() -> None:
    pending: PendingFutures[str] = PendingFutures()
    futures: list[Future[Any]] = [Future() for _ in range(5)]
    for number, future in enumerate(futures):
        pending[future] = f"task {number}"
    assert pending.wait_any(0.01) == []  # nothing finished yet: the timeout returns empty

    finisher = threading.Thread(target=lambda: (futures[3].set_result(3), futures[1].set_result(1)))
    finisher.start()
    finisher.join()
    assert pending.wait_any(1.0) == [futures[3], futures[1]]
    assert pending.wait_any(0.01) == []  # reported once, not again

    for future in (futures[3], futures[1]):
        pending.pop(future)
    futures[0].set_exception(ValueError("damaged"))
    assert pending.wait_any(1.0) == [futures[0]]
    assert [pending[f] for f in (futures[0], futures[2], futures[4])] == [
        "task 0",
        "task 2",
        "task 4",
    ]


def test_pending_futures_sees_a_future_that_finished_before_it_was_added() -> None:
    pending: PendingFutures[int] = PendingFutures()
    done: Future[Any] = Future()
    done.set_result("already")
    pending[done] = 1
    assert pending.wait_any(0.01) == [done]


def test_a_future_handled_and_removed_is_not_reported_again() -> None:
    pending: PendingFutures[int] = PendingFutures()
    first: Future[Any] = Future()
    second: Future[Any] = Future()
    pending[first] = 1
    pending[second] = 2
    first.set_result(None)
    pending.pop(first)  # e.g. the loop handled it through another path
    second.set_result(None)
    assert pending.wait_any(1.0) == [second]
