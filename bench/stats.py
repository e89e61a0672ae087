"""Latency and throughput figures of a set of timed requests: pure functions, no I/O."""
from __future__ import annotations

import math
from dataclasses import dataclass


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile (0 ≤ p ≤ 100) by linear interpolation between the closest
    ranks (numpy's default, Excel's PERCENTILE.INC); NaN for no samples."""
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} is not within 0..100")
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Summary:
    """What a table row says about some requests: how many, how fast, how many failed."""
    count: int
    errors: int
    unexpected: int  # answered, but not with what the script expects
    per_s: float
    p50: float
    p95: float
    p99: float

    @property
    def error_rate(self) -> float:
        return self.errors / self.count if self.count else 0.0

    def as_dict(self) -> dict:
        return {"count": self.count, "errors": self.errors, "unexpected": self.unexpected, "per_s": self.per_s,
                "p50": self.p50, "p95": self.p95, "p99": self.p99}


def summarize(latencies_ms: list[float], errors: int, unexpected: int, seconds: float) -> Summary:
    """``latencies_ms`` of every request (failed ones too: a failure's time is a customer's
    wait), ``errors`` among them, over a window of ``seconds``."""
    return Summary(len(latencies_ms), errors, unexpected, len(latencies_ms) / seconds if seconds > 0 else 0.0,
                   percentile(latencies_ms, 50), percentile(latencies_ms, 95), percentile(latencies_ms, 99))


def overhead(gateway_ms: float, rasa_ms: float) -> float:
    """The gateway's extra time as a fraction of bare Rasa's (0.10 = 10 % slower)."""
    return gateway_ms / rasa_ms - 1 if rasa_ms > 0 else math.nan
