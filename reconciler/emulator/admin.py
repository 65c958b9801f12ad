"""The emulator's admin routes (``/__emulator/*``): what tests use to drive the service."""

from __future__ import annotations

from collections import deque
from dataclasses import asdict
from typing import Any, Protocol

from .exports import Exports
from .faults import FaultConfig, Faults
from .model import ServiceError
from .resources import RESOURCES
from .store import Store


class Driven(Protocol):
    """What the admin routes drive: the server's store, faults, request log and counters."""

    store: Store
    exports: Exports
    faults: Faults
    requests: deque[dict[str, Any]]
    served: int
    busy: float
    in_flight: int
    most_in_flight: int


def admin(emulator: Driven, method: str, parts: list[str], body: Any) -> Any:
    """``/__emulator/<route>``: seed, fail or delete jobs, move the clock, set faults, read the log."""
    store, body = emulator.store, body or {}
    route = (method, "/".join(parts))
    if route == ("GET", "health"):
        return {"status": "ok"}
    if route == ("POST", "reset"):
        store.reset()
        emulator.exports.reset()
        emulator.requests.clear()
        emulator.most_in_flight = emulator.in_flight
        return {"reset": True}
    if route == ("POST", "advance"):
        store.advance(float(body.get("seconds", 0)))
        emulator.exports.settle()
        return {"now": store.now()}
    if route == ("POST", "dataprocessing"):
        store.seed_processing(str(body["id"]), str(body.get("status", "Completed")))
        return {"id": body["id"]}
    kind = (
        RESOURCES[str(body.get("resource", "modeltraining"))].kind
        if body.get("resource") in (None, *RESOURCES)
        else "training"
    )
    if route == ("POST", "fail"):
        store.fail(str(body["id"]), body.get("reason"), kind=kind)
        return {"id": body["id"]}
    if route == ("POST", "metrics"):
        store.set_metrics(str(body["id"]), dict(body.get("metrics") or {}))
        return {"id": body["id"]}
    if route == ("POST", "endpoint-status"):
        store.set_endpoint_status(str(body["id"]), str(body.get("status", "")))
        return {"id": body["id"]}
    if route == ("POST", "delete"):
        store.delete(str(body["id"]), kind=kind)
        return {"id": body["id"]}
    if route == ("GET", "exports"):
        return {"exports": emulator.exports.all()}
    if route == ("POST", "export-fail"):  # the next export fails with this reason
        emulator.exports.failing.append(str(body.get("reason") or "Export failed (emulator)"))
        return {"failing": len(emulator.exports.failing)}
    if route == ("GET", "jobs"):
        return {"jobs": store.all_jobs()}
    if route == ("GET", "stats"):
        return {
            "requests": emulator.served,
            "busySeconds": emulator.busy,
            "mostInFlight": emulator.most_in_flight,
        }
    if route == ("GET", "requests"):
        return {"requests": list(emulator.requests)}
    if route == ("POST", "faults"):
        config = FaultConfig(**{**asdict(emulator.faults.config), **body})
        emulator.faults.reconfigure(config)
        return asdict(config)
    raise ServiceError(404, "BadRequestException", f"Unknown admin route {method} /__emulator/{route[1]}")
