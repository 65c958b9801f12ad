"""The contract: the emulator answers botocore's neptunedata client, and requests shaped exactly as
aws/graph-notebook sends them, for every operation the tool uses; every answer parses against the
service model, every error code arrives with the HTTP status the model documents, and every call
is signed (the emulator verifies SigV4 with --auth-check's key pair)."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from ..helpers import Emu, run

KEY, SECRET = "AKIACONTRACT00000001", "contract-secret-not-real"
MODEL = botocore.session.get_session().get_service_model("neptunedata")


@pytest.fixture
def signed(emu: Emu, monkeypatch: pytest.MonkeyPatch) -> Any:
    emu.options(auth_keys={KEY: SECRET})
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    return botocore.session.get_session().create_client(
        "neptunedata", endpoint_url=emu.url, region_name="us-east-1",
        aws_access_key_id=KEY, aws_secret_access_key=SECRET,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, parameter_validation=False),
    )  # fmt: skip


def documented_status(code: str) -> int:
    return int(MODEL.shape_for(code).metadata["error"]["httpStatusCode"])


def test_botocore_runs_every_operation_the_tool_uses(emu: Emu, signed: Any) -> None:
    dp = signed.start_ml_data_processing_job(
        id="dp-1", inputDataS3Location="s3://bkt/in", processedDataS3Location="s3://bkt/out"
    )
    assert set(dp) - {"ResponseMetadata"} == {"id", "arn", "creationTimeInMillis"}
    assert signed.list_ml_data_processing_jobs(maxItems=5)["ids"] == ["dp-1"]
    emu.advance(61)
    got = signed.get_ml_data_processing_job(id="dp-1")
    assert got["status"] == "Completed" and set(got["processingJob"]) <= {
        "name", "arn", "status", "outputLocation", "failureReason", "cloudwatchLogUrl"
    }  # fmt: skip
    job = signed.start_ml_model_training_job(
        id="dp-1", dataProcessingJobId="dp-1", trainModelS3Location="s3://bkt/m", maxHPONumberOfTrainingJobs=2
    )  # the same id as its data-processing job, as AWS's sample notebooks do
    assert job["id"] == "dp-1"
    assert signed.list_ml_model_training_jobs(maxItems=10, neptuneIamRoleArn="arn:aws:iam::1:role/r")[
        "ids"
    ] == ["dp-1"]
    status = signed.get_ml_model_training_job(id="dp-1", neptuneIamRoleArn="arn:aws:iam::1:role/r")
    assert status["status"] == "InProgress" and status["processingJob"]["status"] == "InProgress"
    assert signed.cancel_ml_model_training_job(id="dp-1", clean=True)["status"] == "Stopping"
    other = signed.start_ml_data_processing_job(
        inputDataS3Location="s3://bkt/in", processedDataS3Location="s3://b/o"
    )
    assert signed.cancel_ml_data_processing_job(id=other["id"])["status"] == "Stopping"


@pytest.mark.parametrize(
    ("call", "kwargs", "code"),
    [
        ("get_ml_model_training_job", {"id": "nope"}, "MLResourceNotFoundException"),
        ("cancel_ml_model_training_job", {"id": "nope"}, "MLResourceNotFoundException"),
        ("get_ml_data_processing_job", {"id": "nope"}, "MLResourceNotFoundException"),
        (
            "start_ml_model_training_job",
            {"dataProcessingJobId": "dp-x", "trainModelS3Location": "s3://b/m"},
            "InvalidParameterException",
        ),
        ("start_ml_model_training_job", {"dataProcessingJobId": "dp-1"}, "MissingParameterException"),
        ("list_ml_model_training_jobs", {"maxItems": 2000}, "InvalidParameterException"),
    ],
)
def test_errors_arrive_with_their_documented_status(
    emu: Emu, signed: Any, call: str, kwargs: dict[str, Any], code: str
) -> None:
    emu.seed_dp("dp-1")
    with pytest.raises(ClientError) as info:
        getattr(signed, call)(**kwargs)
    assert info.value.response["Error"]["Code"] == code
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == documented_status(code)


@pytest.mark.parametrize(
    "code",
    [
        "ClientTimeoutException",
        "ThrottlingException",
        "TooManyRequestsException",
        "ConcurrentModificationException",
    ],
)
def test_injected_retryable_errors_parse_as_their_class(emu: Emu, signed: Any, code: str) -> None:
    emu.faults(error_rate=1.0, error_code=code, error_status=documented_status(code))
    with pytest.raises(getattr(signed.exceptions, code)) as info:
        signed.list_ml_model_training_jobs()
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == documented_status(code)


def test_a_bad_signature_is_refused(emu: Emu, signed: Any) -> None:
    wrong = botocore.session.get_session().create_client(
        "neptunedata", endpoint_url=emu.url, region_name="us-east-1",
        aws_access_key_id=KEY, aws_secret_access_key="not-the-secret",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )  # fmt: skip
    with pytest.raises(ClientError) as info:
        wrong.list_ml_model_training_jobs()
    assert info.value.response["Error"]["Code"] == "AccessDeniedException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == documented_status(
        "AccessDeniedException"
    )
    unsigned = requests.get(f"{emu.url}/ml/modeltraining", timeout=10)
    assert (
        unsigned.status_code == 403 and unsigned.json()["detailedMessage"] == "Missing Authentication Token"
    )


def _graph_notebook(
    method: str, url: str, *, data: Any = None, params: Any = None, headers: Any = None,
    service: str = "neptune-db",
) -> requests.Response:  # fmt: skip
    """A request prepared the way graph-notebook's client prepares one (SigV4Auth on an AWSRequest;
    its export calls sign for ``execute-api``)."""
    aws = AWSRequest(method=method, url=url, data=data, params=params, headers=headers)
    SigV4Auth(Credentials(KEY, SECRET), service, "us-east-1").add_auth(aws)
    prepared = requests.Request(
        method=method, url=url, data=data, params=params, headers=dict(aws.prepare().headers)
    )
    with requests.Session() as session:
        return session.send(prepared.prepare(), timeout=10)


def test_requests_shaped_as_graph_notebook_sends_them(emu: Emu, signed: Any) -> None:
    emu.seed_dp("dp-1")
    base = f"{emu.url}/ml/modeltraining"
    body = {"dataProcessingJobId": "dp-1", "trainModelS3Location": "s3://bkt/m", "maxHPONumberOfTrainingJobs": 2,
            "maxHPOParallelTrainingJobs": 2, "id": ""}  # fmt: skip  # the %neptune_ml magic's default id
    created = _graph_notebook(
        "POST", base, data=json.dumps(body), headers={"content-type": "application/json"}
    )
    assert created.status_code == 200, created.text
    job = created.json()["id"]
    assert job and set(created.json()) == {"id", "arn", "creationTimeInMillis"}
    listed = _graph_notebook(
        "GET", base, params={"maxItems": 10, "neptuneIamRoleArn": "arn:aws:iam::1:role/r"}
    )
    assert listed.status_code == 200 and listed.json() == {"ids": [job]}
    status = _graph_notebook("GET", f"{base}/{job}", params={})
    assert status.status_code == 200 and status.json()["status"] == "InProgress"
    stopped = _graph_notebook("DELETE", f"{base}/{job}", params={"clean": "TRUE"})
    assert stopped.status_code == 200 and stopped.json() == {"status": "Stopping"}


def test_the_tool_signs_for_the_cluster_through_a_tunnel(emu: Emu, signed: Any, in_tmp: Any) -> None:
    """--connect-to: the bytes go to the local address, the request names and is signed for the
    cluster's host, and the emulator verifies that signature."""
    port = emu.url.rsplit(":", 1)[1]
    cluster = "http://db.cluster-abc123.us-east-1.neptune.amazonaws.com:8182"
    r = run("jobs", "list", "--endpoint", cluster, "--connect-to", f"127.0.0.1:{port}", "--auth", "iam")
    assert r.code == 0, r.err
    assert (
        run("jobs", "list", "--endpoint", cluster, "--connect-to", f"127.0.0.1:{port}").code == 1
    )  # unsigned
    r = run(
        "jobs",
        "list",
        "--endpoint",
        cluster,
        "--auth",
        "iam",
        "--region",
        "us-east-1",
        "--connect-to",
        "nope",
    )
    assert r.code == 1 and "is not HOST:PORT" in r.err


def test_botocore_runs_the_endpoint_operations_with_their_lifecycle(emu: Emu, signed: Any) -> None:
    emu.seed_dp("dp-1")
    signed.start_ml_model_training_job(id="m-1", dataProcessingJobId="dp-1", trainModelS3Location="s3://b/m")
    with pytest.raises(ClientError) as info:  # the model must be Completed first
        signed.create_ml_endpoint(id="ep", mlModelTrainingJobId="m-1")
    assert info.value.response["Error"]["Code"] == "BadRequestException"
    emu.advance(61)
    created = signed.create_ml_endpoint(id="ep", mlModelTrainingJobId="m-1")
    assert set(created) - {"ResponseMetadata"} == {"id", "arn", "creationTimeInMillis"}
    got = signed.get_ml_endpoint(id="ep")
    assert got["status"] == "Creating" and got["endpoint"]["status"] == "Creating"
    assert set(got) - {"ResponseMetadata"} == {"id", "status", "endpoint", "endpointConfig"}
    assert set(got["endpointConfig"]) == {"name", "arn"}
    with pytest.raises(ClientError):  # no update while it is still being created
        signed.create_ml_endpoint(id="ep", mlModelTrainingJobId="m-1", update=True)
    emu.advance(61)
    assert signed.get_ml_endpoint(id="ep")["status"] == "InService"
    assert signed.list_ml_endpoints(maxItems=5)["ids"] == ["ep"]
    signed.create_ml_endpoint(id="ep", mlModelTrainingJobId="m-1", update=True, instanceCount=2)
    assert signed.get_ml_endpoint(id="ep")["status"] == "Updating"
    emu.advance(61)
    assert signed.get_ml_endpoint(id="ep")["status"] == "InService"
    with pytest.raises(ClientError) as info:  # the same id again, without update
        signed.create_ml_endpoint(id="ep", mlModelTrainingJobId="m-1")
    assert info.value.response["Error"]["Code"] == "InvalidParameterException"
    signed.delete_ml_endpoint(id="ep", clean=True)
    assert signed.get_ml_endpoint(id="ep")["status"] == "Deleting"
    emu.advance(61)
    with pytest.raises(ClientError) as info:
        signed.get_ml_endpoint(id="ep")
    assert info.value.response["Error"]["Code"] == "MLResourceNotFoundException"
    assert signed.list_ml_endpoints()["ids"] == []


def test_botocore_runs_the_model_transform_operations(emu: Emu, signed: Any) -> None:
    emu.seed_dp("dp-2")
    signed.start_ml_model_training_job(id="m-1", dataProcessingJobId="dp-2", trainModelS3Location="s3://b/m")
    with pytest.raises(ClientError) as info:  # the model must be Completed first
        signed.start_ml_model_transform_job(
            id="t-1",
            dataProcessingJobId="dp-2",
            mlModelTrainingJobId="m-1",
            modelTransformOutputS3Location="s3://b/t",
        )
    assert info.value.response["Error"]["Code"] == "BadRequestException"
    with pytest.raises(ClientError) as info:  # neither the pair nor a SageMaker job's name
        signed.start_ml_model_transform_job(
            id="t-0", dataProcessingJobId="dp-2", modelTransformOutputS3Location="s3://b/t"
        )
    assert info.value.response["Error"]["Code"] == "InvalidParameterException"
    emu.advance(61)
    started = signed.start_ml_model_transform_job(
        id="t-1", dataProcessingJobId="dp-2", mlModelTrainingJobId="m-1", modelTransformOutputS3Location="s3://b/t",
        baseProcessingInstanceType="ml.m5.xlarge", baseProcessingInstanceVolumeSizeInGB=10,
    )  # fmt: skip
    assert set(started) - {"ResponseMetadata"} == {"id", "arn", "creationTimeInMillis"}
    assert ":ml-model-transform-job/t-1" in started["arn"]
    assert signed.list_ml_model_transform_jobs(maxItems=5)["ids"] == ["t-1"]
    running = signed.get_ml_model_transform_job(id="t-1")
    assert running["status"] == "InProgress" and running["baseProcessingJob"]["status"] == "InProgress"
    emu.advance(61)
    done = signed.get_ml_model_transform_job(id="t-1")
    assert set(done) - {"ResponseMetadata"} == {
        "id",
        "status",
        "baseProcessingJob",
        "remoteModelTransformJob",
        "models",
    }
    assert done["status"] == "Completed" and done["remoteModelTransformJob"]["status"] == "Completed"
    assert done["models"] and set(done["models"][0]) == {"name", "arn"}
    assert signed.list_ml_model_transform_jobs()["ids"] == []  # the list shows active jobs only
    # An endpoint serves the transform, and is updated in place to serve the training job instead.
    signed.create_ml_endpoint(id="ep", mlModelTransformJobId="t-1")
    emu.advance(61)
    signed.create_ml_endpoint(id="ep", mlModelTrainingJobId="m-1", update=True)
    assert emu.emulator.store.jobs["endpoint/ep"].params["mlModelTrainingJobId"] == "m-1"
    assert "mlModelTransformJobId" not in emu.emulator.store.jobs["endpoint/ep"].params
    signed.start_ml_model_transform_job(
        id="t-2", trainingJobName="sagemaker-job-1", modelTransformOutputS3Location="s3://b/t2"
    )
    assert signed.cancel_ml_model_transform_job(id="t-2", clean=True)["status"] == "Stopping"
    emu.advance(61)
    assert signed.get_ml_model_transform_job(id="t-2")["status"] == "Stopped"
    with pytest.raises(ClientError) as info:
        signed.get_ml_model_transform_job(id="t-9")
    assert info.value.response["Error"]["Code"] == "MLResourceNotFoundException"


def test_model_transform_requests_shaped_as_graph_notebook_sends_them(emu: Emu, signed: Any) -> None:
    emu.seed_dp("dp-1")
    signed.start_ml_model_training_job(id="m-1", dataProcessingJobId="dp-1", trainModelS3Location="s3://b/m")
    emu.advance(61)
    base = f"{emu.url}/ml/modeltransform"
    body = {
        "modelTransformOutputS3Location": "s3://b/t",
        "dataProcessingJobId": "dp-1",
        "mlModelTrainingJobId": "m-1",
    }
    created = _graph_notebook(
        "POST", base, data=json.dumps(body), headers={"content-type": "application/json"}
    )
    assert created.status_code == 200, created.text
    job = created.json()["id"]  # no id given: the service makes one
    listed = _graph_notebook("GET", base, params={"maxItems": 10})
    assert listed.status_code == 200 and listed.json() == {"ids": [job]}
    status = _graph_notebook("GET", f"{base}/{job}", params={})
    assert status.status_code == 200 and status.json()["status"] == "InProgress"
    stopped = _graph_notebook("DELETE", f"{base}/{job}", params={"clean": "TRUE"})
    assert stopped.status_code == 200 and stopped.json() == {"status": "Stopping"}


def test_export_calls_shaped_as_graph_notebook_sends_them(emu: Emu, signed: Any) -> None:
    """``%neptune_ml export start`` and ``export status --wait``: POST https://{export_url}/neptune-export
    and GET …/neptune-export/{jobId}, signed for execute-api; the wait ends on succeeded or failed."""
    base = f"{emu.url}/neptune-export"  # graph-notebook appends /neptune-export to --export-url
    body = {"command": "export-pg", "outputS3Path": "s3://bkt/export",
            "params": {"endpoint": "db.cluster-x.us-east-1.neptune.amazonaws.com", "profile": "neptune_ml"}}  # fmt: skip
    created = _graph_notebook("POST", base, data=json.dumps(body), service="execute-api")
    assert created.status_code == 200, created.text
    job = created.json()
    assert set(job) == {"jobName", "jobId"} and job["jobName"].startswith("neptune-export-")
    status = _graph_notebook("GET", f"{base}/{job['jobId']}", service="execute-api")
    assert status.status_code == 200 and status.json()["status"] in ("pending", "running")
    emu.advance(61)
    done = _graph_notebook("GET", f"{base}/{job['jobId']}", service="execute-api").json()
    assert done["status"] == "succeeded" and done["outputS3Uri"].startswith("s3://bkt/export/")
    # Signed for the cluster's service instead: refused, as API Gateway refuses it.
    wrong = _graph_notebook("GET", f"{base}/{job['jobId']}")
    assert wrong.status_code == 403 and "execute-api" in wrong.json()["message"]
    missing = _graph_notebook("GET", f"{base}/no-such-job", service="execute-api")
    assert missing.status_code == 404 and set(missing.json()) == {"message"}
