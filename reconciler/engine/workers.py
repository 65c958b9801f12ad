"""Calls run ``workers`` at a time on daemon threads: a run that stops (an error elsewhere, a
Ctrl-C) never waits at exit for a call still on the wire."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def each(fn: Callable[[T], R], items: list[T], workers: int) -> list[R]:
    """``fn`` of every item, ``workers`` at a time, in the items' order (the first exception
    raised is raised here, once every worker stopped)."""
    results: list[R | None] = [None] * len(items)
    errors: list[BaseException] = []
    todo = iter(range(len(items)))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                i = None if errors else next(todo, None)
            if i is None:
                return
            try:
                results[i] = fn(items[i])
            except BaseException as e:  # handed to the caller, not lost in a thread
                with lock:
                    errors.append(e)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(max(1, min(workers, len(items))))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results  # type: ignore[return-value]


class Background(Generic[R]):
    """``fn()`` started on a daemon thread; ``result()`` waits for it (and raises what it raised)."""

    def __init__(self, fn: Callable[[], R]) -> None:
        self._value: R | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[[], R]) -> None:
        try:
            self._value = fn()
        except BaseException as e:
            self._error = e

    def result(self) -> R:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]
