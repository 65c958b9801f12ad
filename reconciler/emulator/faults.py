"""Seeded, reproducible fault injection: latency, errors of a chosen kind (5xx, 408, throttling),
429 with Retry-After, dropped connections."""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass, field


@dataclass
class FaultConfig:
    latency_ms: float = 0.0
    error_rate: float = 0.0
    throttle_rps: float = 0.0  # 0 = no rate limit
    drop_rate: float = 0.0
    seed: int = 0
    reject_prefix: str = ""  # creates of ids starting with this are refused (400)
    fail_prefix: str = ""  # training jobs with ids starting with this fail halfway through
    # What an injected error is (any of the service's retryable kinds), and whether the request
    # took effect before it was answered (an unknown outcome, like a dropped answer).
    error_status: int = 500
    error_code: str = "InternalFailureException"
    error_applies: bool = False
    # Errors only for requests whose "METHOD /path" starts with this ("GET /ml/modeltraining/":
    # status reads of training jobs, not the list); "" for every request.
    error_on: str = ""


@dataclass
class Decision:
    """What to do with one request: wait, then answer normally, throttle, fail or drop."""

    delay: float = 0.0
    throttle_after: float | None = None  # seconds for Retry-After when throttled
    error: bool = False
    drop: bool = False


@dataclass
class Faults:
    config: FaultConfig = field(default_factory=FaultConfig)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.reconfigure(self.config)

    def reconfigure(self, config: FaultConfig) -> None:
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)
            self._tokens = max(1.0, config.throttle_rps)
            self._last = time.monotonic()

    def decide(self) -> Decision:
        with self._lock:
            c = self.config
            decision = Decision(delay=c.latency_ms / 1000.0)
            if c.throttle_rps > 0:
                now = time.monotonic()
                capacity = max(1.0, c.throttle_rps)
                self._tokens = min(capacity, self._tokens + (now - self._last) * c.throttle_rps)
                self._last = now
                if self._tokens < 1.0:
                    wait = (1.0 - self._tokens) / c.throttle_rps
                    decision.throttle_after = float(max(1, math.ceil(wait)))
                    return decision
                self._tokens -= 1.0
            # Draw both numbers every time so a seed gives the same sequence whatever fires.
            error_draw, drop_draw = self._rng.random(), self._rng.random()
            decision.error = error_draw < c.error_rate
            decision.drop = not decision.error and drop_draw < c.drop_rate
            return decision
