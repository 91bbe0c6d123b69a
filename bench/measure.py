"""Timing helpers for benchmarks (never used by tests: tests do not assert on time)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Result:
    name: str
    ours: float  # operations per second
    baseline: float
    ours_label: str
    baseline_label: str

    def row(self) -> str:
        ratio = self.ours / self.baseline if self.baseline else float("nan")
        return (
            f"| {self.name} | {self.ours:,.0f}/s ({self.ours_label}) | {self.baseline:,.0f}/s "
            f"({self.baseline_label}) | {ratio:.2f}× |"
        )


def rate(operation: Callable[[int], None], count: int, repeat: int = 3) -> float:
    """Best of ``repeat`` runs of ``operation(i)`` for i in range(count), as operations per second."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for i in range(count):
            operation(i)
        best = min(best, time.perf_counter() - start)
    return count / best
