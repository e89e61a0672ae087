"""Forecasts kept in this process, per account and forecast month (no database table).

Fitting the model is the slow part of a forecast (tens of milliseconds), and the dialogue
asks for the same account's forecast several times in a conversation.  An entry is used
only while the account's history is the one it was computed from, so a new reading (or
another database holding the same account number) computes afresh; the oldest entries
go first when the cache is full.  Safe to share between the server's threads.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from services.forecasting.model import KwhForecast

MAX_ENTRIES = 20_000  # a few MB: every seeded account's forecast for a month, four times over


class ForecastCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[tuple[str, str], tuple[Hashable, KwhForecast]] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries
        self.hits = self.misses = 0

    def get_or_compute(self, account_no: str, month: str, history: Hashable,
                       compute: Callable[[], KwhForecast]) -> KwhForecast:
        """The cached forecast of ``month`` for ``account_no`` if it was computed from
        ``history``; otherwise ``compute()``, kept for next time."""
        key = (account_no, month)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == history:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[1]
            self.misses += 1
        result = compute()  # outside the lock: other accounts need not wait for this fit
        with self._lock:
            self._entries[key] = (history, result)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return result

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


forecasts = ForecastCache()
