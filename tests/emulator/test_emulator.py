"""The emulator against botocore's own neptunedata client: the contract a real AWS client sees."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import requests
from botocore.config import Config

from reconciler.emulator import Emulator, LocalArtifacts, Options, S3Artifacts

from ..helpers import Emu


def raises(nd: Any, exception: str, message: str) -> Any:
    """Like pytest.raises for a botocore modeled error, matching its detailedMessage."""
    return _Raises(getattr(nd.exceptions, exception), message)


class _Raises:
    def __init__(self, cls: type[Exception], message: str) -> None:
        self.cls, self.message = cls, message

    def __enter__(self) -> _Raises:
        return self

    def __exit__(self, kind: Any, value: Any, tb: Any) -> bool:
        assert kind is not None, f"{self.cls.__name__} not raised"
        assert issubclass(kind, self.cls), f"{kind.__name__} raised instead of {self.cls.__name__}"
        assert self.message in value.response["detailedMessage"], value.response
        self.response = value.response
        return True


@pytest.fixture
def nd(emu: Emu) -> Any:
    return botocore.session.get_session().create_client(
        "neptunedata", endpoint_url=emu.url, region_name="us-east-1",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, parameter_validation=False),
    )  # fmt: skip


def test_botocore_training_lifecycle(emu: Emu, nd: Any) -> None:
    emu.seed_dp("dp-1")
    created = nd.start_ml_model_training_job(
        id="job-1", dataProcessingJobId="dp-1", trainModelS3Location="s3://bkt/models",
        maxHPONumberOfTrainingJobs=4, subnets=["subnet-0123abcd"],
    )  # fmt: skip
    assert created["id"] == "job-1" and created["arn"].endswith("/job-1")
    assert created["ResponseMetadata"]["RequestId"]
    job = nd.get_ml_model_training_job(id="job-1")
    assert job["status"] == "InProgress" and job["processingJob"]["status"] == "InProgress"
    emu.advance(30)
    job = nd.get_ml_model_training_job(id="job-1")
    assert job["hpoJob"]["status"] == "InProgress" and 0 < len(job["mlModels"]) < 4
    emu.advance(31)
    job = nd.get_ml_model_training_job(id="job-1")
    assert job["status"] == "Completed"
    assert [job[k]["status"] for k in ("processingJob", "hpoJob", "modelTransformJob")] == ["Completed"] * 3
    assert len(job["mlModels"]) == 4
    assert nd.list_ml_model_training_jobs(maxItems=5)["ids"] == []  # the guide: the list shows active jobs
    emu.options(list_all=True)
    assert nd.list_ml_model_training_jobs(maxItems=5)["ids"] == ["job-1"]
    with raises(nd, "InvalidParameterException", "already completed or failed"):
        nd.cancel_ml_model_training_job(id="job-1")


def test_botocore_stop_and_data_processing(emu: Emu, nd: Any) -> None:
    dp = nd.start_ml_data_processing_job(
        id="dp-2", inputDataS3Location="s3://bkt/in", processedDataS3Location="s3://bkt/out"
    )
    assert dp["id"] == "dp-2"
    assert nd.get_ml_data_processing_job(id="dp-2")["status"] == "InProgress"
    assert nd.list_ml_data_processing_jobs()["ids"] == ["dp-2"]
    with raises(nd, "BadRequestException", "not in Completed state"):
        nd.start_ml_model_training_job(id="j", dataProcessingJobId="dp-2", trainModelS3Location="s3://bkt/m")
    emu.advance(61)
    assert nd.get_ml_data_processing_job(id="dp-2")["status"] == "Completed"
    nd.start_ml_model_training_job(id="j", dataProcessingJobId="dp-2", trainModelS3Location="s3://bkt/m")
    assert nd.cancel_ml_model_training_job(id="j", clean=True)["status"] == "Stopping"
    assert nd.get_ml_model_training_job(id="j")["status"] == "Stopping"
    emu.advance(1.5)
    assert nd.get_ml_model_training_job(id="j")["status"] == "Stopped"
    nd.start_ml_data_processing_job(
        id="dp-3", inputDataS3Location="s3://b/i", processedDataS3Location="s3://b/o"
    )
    assert nd.cancel_ml_data_processing_job(id="dp-3")["status"] == "Stopping"


@pytest.mark.parametrize(
    ("call", "kwargs", "exception", "message"),
    [
        (
            "get_ml_model_training_job",
            {"id": "nope"},
            "MLResourceNotFoundException",
            "No model training job",
        ),
        (
            "cancel_ml_model_training_job",
            {"id": "nope"},
            "MLResourceNotFoundException",
            "No model training job",
        ),
        (
            "start_ml_model_training_job",
            {"dataProcessingJobId": "dp-1"},
            "MissingParameterException",
            "trainModelS3Location",
        ),
        (
            "start_ml_model_training_job",
            {"dataProcessingJobId": "dp-x", "trainModelS3Location": "s3://bkt/m"},
            "InvalidParameterException",
            "data processing job",
        ),
        (
            "start_ml_model_training_job",
            {
                "dataProcessingJobId": "dp-1",
                "trainModelS3Location": "s3://bkt/m",
                "previousModelTrainingJobId": "nope",
            },
            "InvalidParameterException",
            "model training job",
        ),
        (
            "list_ml_model_training_jobs",
            {"maxItems": 2000},
            "InvalidParameterException",
            "between 1 and 1024",
        ),
        (
            "get_ml_data_processing_job",
            {"id": "nope"},
            "MLResourceNotFoundException",
            "No data processing job",
        ),
    ],
)
def test_botocore_error_classes(
    emu: Emu, nd: Any, call: str, kwargs: dict[str, Any], exception: str, message: str
) -> None:
    emu.seed_dp("dp-1")
    with raises(nd, exception, message) as info:
        getattr(nd, call)(**kwargs)
    assert info.response["Error"]["Code"] == exception
    assert info.response["ResponseMetadata"]["RequestId"] == info.response["requestId"]


def test_botocore_duplicate_id(emu: Emu, nd: Any) -> None:
    emu.seed_dp("dp-1")
    nd.start_ml_model_training_job(id="dup", dataProcessingJobId="dp-1", trainModelS3Location="s3://bkt/m")
    with raises(nd, "InvalidParameterException", "Another resource with same ID already exists"):
        nd.start_ml_model_training_job(
            id="dup", dataProcessingJobId="dp-1", trainModelS3Location="s3://bkt/m"
        )


def test_botocore_throttling_class(emu: Emu, nd: Any) -> None:
    emu.faults(throttle_rps=1.0)
    with pytest.raises(nd.exceptions.TooManyRequestsException):
        for _ in range(10):
            nd.list_ml_model_training_jobs()


def test_previous_job_must_be_completed(emu: Emu, nd: Any) -> None:
    emu.seed_dp("dp-1")
    nd.start_ml_model_training_job(id="first", dataProcessingJobId="dp-1", trainModelS3Location="s3://bkt/m")
    with raises(nd, "BadRequestException", "not in Completed state"):
        nd.start_ml_model_training_job(
            id="second",
            dataProcessingJobId="dp-1",
            trainModelS3Location="s3://bkt/m",
            previousModelTrainingJobId="first",
        )
    emu.advance(61)
    nd.start_ml_model_training_job(
        id="second",
        dataProcessingJobId="dp-1",
        trainModelS3Location="s3://bkt/m",
        previousModelTrainingJobId="first",
    )


def raw(emu: Emu, method: str, path: str, **kw: Any) -> requests.Response:
    return emu.http.request(method, emu.url + path, timeout=10, **kw)


def test_raw_envelope_headers_and_fields_botocore_lacks(emu: Emu) -> None:
    emu.seed_dp("dp-1")
    body = {
        "id": "spot",
        "dataProcessingJobId": "dp-1",
        "trainModelS3Location": "s3://bkt/m",
        "modelName": "rgcn",
        "enableInterContainerTrafficEncryption": True,
        "enableManagedSpotTraining": True,
        "maxWaitTime": 90000,
    }
    assert raw(emu, "POST", "/ml/modeltraining", json=body).status_code == 200
    r = raw(emu, "POST", "/ml/modeltraining", json={**body, "id": "bad", "maxWaitTime": 100})
    assert r.status_code == 400
    doc = r.json()
    assert set(doc) == {"requestId", "code", "detailedMessage"}
    assert doc["code"] == "InvalidParameterException" and "greater than" in doc["detailedMessage"]
    assert r.headers["x-amzn-RequestId"] == doc["requestId"]
    assert r.headers["x-amzn-ErrorType"] == "InvalidParameterException"
    r = raw(emu, "POST", "/ml/modeltraining", json={**body, "id": "bad", "modelName": "gcn"})
    assert "Invalid modelName" in r.json()["detailedMessage"]
    r = raw(
        emu,
        "POST",
        "/ml/modeltraining",
        json={**body, "id": "bad", "maxHPONumberOfTrainingJobs": "2"},
    )
    assert "expected integer" in r.json()["detailedMessage"]
    r = raw(emu, "POST", "/ml/modeltraining", data=b"{not json")
    assert (r.status_code, r.json()["code"]) == (400, "BadRequestException")


@pytest.mark.parametrize("value", ["true", "TRUE", "False", "false"])
def test_query_booleans_as_real_clients_send_them(emu: Emu, value: str) -> None:
    emu.seed_dp("dp-1")
    raw(
        emu,
        "POST",
        "/ml/modeltraining",
        json={"id": "j", "dataProcessingJobId": "dp-1", "trainModelS3Location": "s3://bkt/m"},
    )
    assert raw(emu, "DELETE", f"/ml/modeltraining/j?clean={value}").json() == {"status": "Stopping"}


def test_bad_query_boolean(emu: Emu) -> None:
    assert raw(emu, "DELETE", "/ml/modeltraining/j?clean=yes").status_code == 400


def test_failure_has_reason_and_log_url(emu: Emu) -> None:
    emu.seed_dp("dp-1")
    raw(
        emu,
        "POST",
        "/ml/modeltraining",
        json={"id": "j", "dataProcessingJobId": "dp-1", "trainModelS3Location": "s3://bkt/m"},
    )
    emu.advance(20)
    emu.fail("j", "ResourceLimitExceeded: no ml.p3.2xlarge capacity")
    doc = raw(emu, "GET", "/ml/modeltraining/j").json()
    assert doc["status"] == "Failed"
    assert doc["hpoJob"]["failureReason"] == "ResourceLimitExceeded: no ml.p3.2xlarge capacity"
    assert doc["hpoJob"]["cloudwatchLogUrl"].startswith(
        "https://us-east-1.console.aws.amazon.com/cloudwatch/"
    )
    assert raw(emu, "DELETE", "/ml/modeltraining/j").json()["detailedMessage"].startswith("Failed to stop")


def test_local_artifacts_written_and_cleaned(tmp_path: Path) -> None:
    emulator = Emulator(Options(job_seconds=60), artifacts=LocalArtifacts(str(tmp_path)))
    url = emulator.start()
    try:
        s = requests.Session()
        s.post(f"{url}/__emulator/dataprocessing", json={"id": "dp"})
        for job in ("keep", "clean"):
            s.post(
                f"{url}/ml/modeltraining",
                json={
                    "id": job,
                    "dataProcessingJobId": "dp",
                    "trainModelS3Location": "s3://bkt/models",
                },
            )
        base = tmp_path / "bkt" / "models"
        assert (base / "clean" / "processing" / "params.json").is_file()
        s.delete(f"{url}/ml/modeltraining/clean?clean=true")
        assert not (base / "clean").exists()
        s.post(f"{url}/__emulator/advance", json={"seconds": 61})
        assert s.get(f"{url}/ml/modeltraining/keep").json()["status"] == "Completed"
        assert (base / "keep" / "model" / "model.tar.gz").is_file()
    finally:
        emulator.stop()


def test_s3_artifacts_written_and_cleaned(s3: Any, s3_endpoint: str) -> None:
    emulator = Emulator(Options(job_seconds=60), artifacts=S3Artifacts(s3_endpoint, "us-east-1"))
    url = emulator.start()
    try:
        s = requests.Session()
        s.post(f"{url}/__emulator/dataprocessing", json={"id": "dp"})
        for job in ("keep", "clean"):
            s.post(
                f"{url}/ml/modeltraining",
                json={
                    "id": job,
                    "dataProcessingJobId": "dp",
                    "trainModelS3Location": "s3://artifacts-bkt/m",
                },
            )

        def keys() -> list[str]:
            return sorted(o["Key"] for o in s3.list_objects_v2(Bucket="artifacts-bkt").get("Contents", []))

        assert keys() == ["m/clean/processing/params.json", "m/keep/processing/params.json"]
        s.delete(f"{url}/ml/modeltraining/clean?clean=true")
        assert keys() == ["m/keep/processing/params.json"]
        s.post(f"{url}/__emulator/advance", json={"seconds": 61})
        s.get(f"{url}/ml/modeltraining/keep")
        assert "m/keep/model/model.tar.gz" in keys()
    finally:
        emulator.stop()


def test_store_survives_restart(tmp_path: Path) -> None:
    state = str(tmp_path / "emu.json")
    first = Emulator(Options(job_seconds=60), state_file=state)
    url = first.start()
    requests.post(f"{url}/__emulator/dataprocessing", json={"id": "dp"})
    requests.post(
        f"{url}/ml/modeltraining",
        json={"id": "j", "dataProcessingJobId": "dp", "trainModelS3Location": "s3://bkt/m"},
    )
    first.stop()
    second = Emulator(Options(job_seconds=60), state_file=state)
    url = second.start()
    try:
        assert requests.get(f"{url}/ml/modeltraining").json()["ids"] == ["j"]
        assert requests.get(f"{url}/ml/modeltraining/j").json()["status"] == "InProgress"
    finally:
        second.stop()


def _fault_trace(seed: int) -> list[int | str]:
    emulator = Emulator(Options())
    url = emulator.start()
    try:
        requests.post(f"{url}/__emulator/faults", json={"error_rate": 0.3, "drop_rate": 0.2, "seed": seed})
        trace: list[int | str] = []
        for _ in range(40):
            try:
                trace.append(requests.get(f"{url}/ml/modeltraining", timeout=5).status_code)
            except requests.ConnectionError:
                trace.append("dropped")
        return trace
    finally:
        emulator.stop()


def test_faults_are_seeded_and_reproducible() -> None:
    first = _fault_trace(7)
    assert first == _fault_trace(7)
    assert {500, 200, "dropped"} <= set(first)
    assert first != _fault_trace(8)


def test_throttle_sends_retry_after(emu: Emu) -> None:
    emu.faults(throttle_rps=2.0)
    answers = [raw(emu, "GET", "/ml/modeltraining") for _ in range(6)]
    throttled = [r for r in answers if r.status_code == 429]
    assert throttled and throttled[0].headers["Retry-After"] == "1"
    assert throttled[0].json()["code"] == "TooManyRequestsException"


def test_latency_is_added(emu: Emu) -> None:
    emu.faults(latency_ms=150.0)
    t0 = time.monotonic()
    raw(emu, "GET", "/ml/modeltraining")
    assert time.monotonic() - t0 >= 0.15


def test_emulator_command_prints_ready_line_and_stops_on_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "emulator", "--port", "0", "--job-seconds", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("listening on http://127.0.0.1:")
        url = line.split()[-1]
        assert requests.get(f"{url}/__emulator/health", timeout=5).json() == {"status": "ok"}
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "emulator stopped" in err


def test_emulator_refuses_non_loopback() -> None:
    from ..helpers import run

    r = run("emulator", "--host", "0.0.0.0")
    assert r.code == 1 and "loopback only" in r.err


def test_concurrent_requests_are_safe(emu: Emu) -> None:
    import concurrent.futures

    emu.seed_dp("dp-1")

    def create(i: int) -> int:
        body = {
            "id": f"c-{i % 20}",
            "dataProcessingJobId": "dp-1",
            "trainModelS3Location": "s3://bkt/m",
        }
        return requests.post(f"{emu.url}/ml/modeltraining", json=body, timeout=10).status_code

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(create, range(200)))
    assert codes.count(200) == 20 and codes.count(400) == 180
    assert len(emu.training_ids()) == 20
    assert json.loads(json.dumps(emu.log("POST")))[0]["method"] == "POST"


def test_a_client_hanging_up_leaves_no_traceback(capfd: pytest.CaptureFixture[str]) -> None:
    """Dropped connections are routine (client timeouts, drop faults): the server stays quiet,
    while any other handler error is still printed."""
    emulator = Emulator(Options())
    emulator.start("127.0.0.1", 0)
    try:
        server = emulator._server
        assert server is not None
        for gone in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")):
            try:
                raise gone
            except ConnectionError:
                server.handle_error(None, ("127.0.0.1", 1))
        assert capfd.readouterr().err == ""
        try:
            raise RuntimeError("a real bug")
        except RuntimeError:
            server.handle_error(None, ("127.0.0.1", 1))
        assert "RuntimeError: a real bug" in capfd.readouterr().err
    finally:
        emulator.stop()


def test_lenient_by_default_strict_on_request(emu: Emu, nd: Any) -> None:
    """Where the sources are silent the emulator takes what real clients send; --strict refuses
    the things the tool must never send (unknown fields, odd ids, odd bucket names)."""
    emu.seed_dp("dp-1")
    odd = {"id": "a_b", "dataProcessingJobId": "dp-1", "trainModelS3Location": "s3://Upper_Bucket/m"}
    assert (
        emu.http.post(f"{emu.url}/ml/modeltraining", json={**odd, "someNewField": 1}, timeout=10).status_code
        == 200
    )
    generated = emu.http.post(f"{emu.url}/ml/modeltraining", json={**odd, "id": ""}, timeout=10).json()
    assert len(generated["id"]) == 36  # graph-notebook sends "id": "" and means "make one"
    custom = {"sourceS3DirectoryPath": "s3://bkt/src"}
    made = nd.start_ml_model_training_job(  # botocore has no modelName: custom parameters alone mean custom
        id="c",
        dataProcessingJobId="dp-1",
        trainModelS3Location="s3://bkt/m",
        customModelTrainingParameters=custom,
    )
    assert made["id"] == "c"
    emu.options(strict=True)
    for body, says in (
        ({**odd, "id": "x_y", "trainModelS3Location": "s3://bkt/m"}, "48 letters"),
        (
            {**odd, "id": "ok", "someNewField": 1, "trainModelS3Location": "s3://bkt/m"},
            "Unknown parameter: someNewField",
        ),
        ({**odd, "id": "ok2"}, "Invalid S3 location"),
    ):
        r = emu.http.post(f"{emu.url}/ml/modeltraining", json=body, timeout=10)
        assert r.status_code == 400 and says in r.json()["detailedMessage"], r.text


def test_ids_are_unique_per_resource_kind(emu: Emu, nd: Any) -> None:
    """AWS's sample notebooks give a data-processing job and its training job the same id."""
    nd.start_ml_data_processing_job(
        id="same", inputDataS3Location="s3://bkt/in", processedDataS3Location="s3://bkt/out"
    )
    emu.advance(61)
    made = nd.start_ml_model_training_job(
        id="same", dataProcessingJobId="same", trainModelS3Location="s3://bkt/m"
    )
    assert made["id"] == "same"
    assert nd.get_ml_data_processing_job(id="same")["status"] == "Completed"
    assert nd.get_ml_model_training_job(id="same")["status"] == "InProgress"


def test_a_job_needing_an_unfinished_one_is_a_bad_request_as_the_guide_says(emu: Emu) -> None:
    """Training on unfinished data and an endpoint on an unfinished model answer the guide's
    BadRequestException (they answered InvalidParameterException)."""
    emu.seed_dp("dp-run", "InProgress")
    r = raw(
        emu,
        "POST",
        "/ml/modeltraining",
        json={"dataProcessingJobId": "dp-run", "trainModelS3Location": "s3://b/m"},
    )
    assert (r.status_code, r.json()["code"]) == (400, "BadRequestException")
    emu.seed_dp("dp-1")
    raw(
        emu,
        "POST",
        "/ml/modeltraining",
        json={"id": "m1", "dataProcessingJobId": "dp-1", "trainModelS3Location": "s3://b/m"},
    )
    r = raw(emu, "POST", "/ml/endpoints", json={"id": "ep", "mlModelTrainingJobId": "m1"})
    assert (r.status_code, r.json()["code"]) == (400, "BadRequestException")


def test_the_guide_s_update_true_as_a_string_is_taken(emu: Emu) -> None:
    emu.seed_dp("dp-1")
    for job in ("m1", "m2"):
        raw(
            emu,
            "POST",
            "/ml/modeltraining",
            json={"id": job, "dataProcessingJobId": "dp-1", "trainModelS3Location": "s3://b/m"},
        )
    emu.advance(61)
    assert (
        raw(emu, "POST", "/ml/endpoints", json={"id": "ep", "mlModelTrainingJobId": "m1"}).status_code == 200
    )
    emu.advance(61)
    r = raw(emu, "POST", "/ml/endpoints", json={"id": "ep", "mlModelTrainingJobId": "m2", "update": "true"})
    assert r.status_code == 200, r.text
    assert emu.emulator.store.jobs["endpoint/ep"].params["mlModelTrainingJobId"] == "m2"
    assert emu.ids("endpoint") == ["ep"]  # updated, not a second endpoint


@pytest.mark.parametrize("method", ["PUT", "PATCH", "OPTIONS"])
def test_an_unsupported_method_is_405_in_the_envelope(emu: Emu, method: str) -> None:
    r = raw(emu, method, "/ml/modeltraining", json={"x": 1})
    assert r.status_code == 405 and r.headers["Content-Type"] == "application/json"
    assert r.json()["code"] == "MethodNotAllowedException" and r.headers["Allow"] == "GET, POST, DELETE"
    assert raw(emu, "HEAD", "/ml/modeltraining").status_code == 405
    r = raw(emu, "POST", "/ml/modeltraining/some-id", json={})
    assert r.status_code == 405 and r.json()["code"] == "MethodNotAllowedException"


def test_each_job_runs_a_time_its_id_fixes_within_the_range() -> None:
    """--job-seconds-max: jobs of a graph take different times, the same for an id on every run;
    without it (or at most --job-seconds) every job takes --job-seconds."""
    varied = Options(job_seconds=0.5, job_seconds_max=2.0)
    times = [varied.duration(f"model-{i:03d}-abc") for i in range(200)]
    assert all(0.5 <= t <= 2.0 for t in times)
    assert max(times) - min(times) > 1.2 and len(set(times)) > 150  # spread over the range
    assert times == [
        Options(job_seconds=0.5, job_seconds_max=2.0).duration(f"model-{i:03d}-abc") for i in range(200)
    ]
    assert {Options(job_seconds=3.0).duration(j) for j in ("a", "b")} == {3.0}
    assert Options(job_seconds=3.0, job_seconds_max=1.0).duration("a") == 3.0


def test_emulator_refuses_a_longest_job_shorter_than_the_shortest() -> None:
    from ..helpers import run

    r = run("emulator", "--port", "0", "--job-seconds", "2", "--job-seconds-max", "1")
    assert r.code == 2 and "--job-seconds-max 1 is below --job-seconds 2" in r.err, r.err
