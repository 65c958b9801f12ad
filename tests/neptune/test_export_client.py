"""The Neptune-Export client against the emulator's export API: the service's words turned into the
core's, its ids mapped to the reconciler's handles, and what a lost answer leaves to find."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from reconciler.errors import ConfigError
from reconciler.neptune import ApiError, NotFoundError, make_client
from reconciler.neptune.export import ExportClient, Unconfigured

from ..helpers import Emu

BODY = {
    "outputS3Path": "s3://bkt/exports",
    "params": {"endpoint": "db.cluster-x.us-east-1.neptune.amazonaws.com"},
}


def client(emu: Emu) -> ExportClient:
    return ExportClient(make_client(f"{emu.url}/v1/neptune-export"))


def test_a_started_export_is_read_by_its_handle_in_the_cores_words(emu: Emu) -> None:
    exports = client(emu)
    started = exports.create({**BODY, "id": "graph-export-0123456789"})
    assert started["id"] == "graph-export-0123456789" and started["serviceId"]
    [sent] = emu.admin("GET", "exports")["exports"]
    assert "id" not in sent["request"]  # the handle is ours: never sent
    doc = exports.get("graph-export-0123456789")
    assert (doc["status"], doc["serviceStatus"]) in (("InProgress", "pending"), ("InProgress", "running"))
    emu.advance(120)
    doc = exports.get("graph-export-0123456789")
    assert (doc["status"], doc["serviceStatus"]) == ("Completed", "succeeded")
    assert doc["outputS3Uri"].startswith("s3://bkt/exports/")


def test_a_failed_export_carries_the_services_reason(emu: Emu) -> None:
    emu.admin("POST", "export-fail", reason="Batch job exceeded its memory")
    exports = client(emu)
    exports.create({**BODY, "id": "e-1"})
    emu.advance(120)
    doc = exports.get("e-1")
    assert doc["status"] == "Failed" and doc["failureReason"] == "Batch job exceeded its memory"


def test_a_job_the_service_does_not_know_is_not_found(emu: Emu) -> None:
    exports = client(emu)
    exports.learn({"e-2": ("no-such-job", None, False)})
    with pytest.raises(NotFoundError):
        exports.get("e-2")
    with pytest.raises(NotFoundError):  # a handle nothing was learned about
        exports.get("e-3")


def test_a_refused_start_is_the_services_answer_not_an_unknown(emu: Emu) -> None:
    with pytest.raises(ApiError) as info:
        client(emu).create({"id": "e-4", "outputS3Path": "not-s3", "params": {"endpoint": "x"}})
    assert info.value.status == 400 and "outputS3Path" in str(info.value)


def test_an_answer_without_a_job_id_is_refused(emu: Emu, monkeypatch: pytest.MonkeyPatch) -> None:
    exports = client(emu)
    monkeypatch.setattr(exports.http, "_call", lambda *a, **k: {"jobName": "x"})
    with pytest.raises(ApiError, match="no 'jobId'"):
        exports.create({**BODY, "id": "e-5"})


def test_a_start_that_never_connected_is_known_unsent() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    exports = ExportClient(make_client(f"http://127.0.0.1:{port}/v1/neptune-export"))
    with pytest.raises(ApiError) as info:
        exports.create({**BODY, "id": "e-6"})
    assert info.value.unsent


def test_without_an_export_endpoint_the_error_says_what_to_set() -> None:
    with pytest.raises(ConfigError) as info:
        Unconfigured().get("e-7")
    assert "exportEndpoint" in (info.value.hint or "")


def test_an_unconfirmed_create_without_its_completion_file_is_unconfirmed(
    emu: Emu, s3_endpoint: str, s3: Any
) -> None:
    from reconciler.aws import make_s3_client

    exports = ExportClient(
        make_client(f"{emu.url}/v1/neptune-export"), lambda: make_s3_client("us-east-1", s3_endpoint)
    )
    prefix = "s3://no-such-bucket-yet/exports/_completion/e-8"
    exports.learn({"e-8": (None, prefix, True), "e-9": (None, prefix.replace("e-8", "e-9"), False)})
    assert exports.get("e-8")["status"] == "Unconfirmed"  # may have been sent: not "not found"
    with pytest.raises(NotFoundError):
        exports.get("e-9")  # only probed (a lost ledger's look): absent is absent
