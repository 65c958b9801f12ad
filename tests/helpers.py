"""Test helpers: the CLI runner, manifest text, handles on the emulator and a workspace, and
plain-data builders (desired manifests, ledgers, live views) for the pure core."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from typer.testing import CliRunner

from reconciler.cli.app import app
from reconciler.core import identity, records
from reconciler.core.desired import Desired
from reconciler.core.kinds import TRAINING
from reconciler.core.ledger import Ledger
from reconciler.core.live import JobView, Live
from reconciler.emulator import Emulator
from reconciler.manifests.desired import effective_spec


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


def run(*args: str, input: str | None = None) -> Result:
    """Invoke the CLI in-process, the way a user would, and return exit code and streams."""
    result = CliRunner().invoke(app, list(args), input=input, catch_exceptions=False, prog_name="reconciler")
    return Result(result.exit_code, result.stdout, result.stderr)


def manifest(
    name: str = "fraud-rgcn", spec: str = "", policy: str = "", labels: str = "", dp: str | None = None
) -> str:
    """A valid manifest; ``spec``/``policy`` add indented lines under their sections."""
    text = textwrap.dedent(
        f"""\
        apiVersion: neptune-ml.reconciler/v1
        kind: ModelTrainingJob
        metadata:
          name: {name}
        {labels and "  labels: " + labels}
        spec:
          dataProcessingJobId: {dp or "dp-" + name}
          trainModelS3Location: s3://ml-artifacts/{name}
        """
    )
    text = text.replace("\n\n", "\n")
    if spec:
        text += textwrap.indent(textwrap.dedent(spec).strip("\n"), "  ") + "\n"
    if policy:
        text += "policy:\n" + textwrap.indent(textwrap.dedent(policy).strip("\n"), "  ") + "\n"
    return text


class Emu:
    """The running emulator plus its admin API, reset before each test that asks for it."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.url = emulator.url
        self.http = requests.Session()
        self.http.trust_env = False

    def admin(self, method: str, route: str, **body: Any) -> Any:
        r = self.http.request(method, f"{self.url}/__emulator/{route}", json=body or None, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def reset(self) -> None:
        self.options(
            strict=False,
            not_found_400=False,
            list_all=False,
            auth_keys=None,
            job_seconds=60.0,
            job_seconds_max=None,
            empty_delete=False,
        )
        self.admin("POST", "reset")
        self.admin(
            "POST",
            "faults",
            latency_ms=0.0,
            error_rate=0.0,
            throttle_rps=0.0,
            drop_rate=0.0,
            seed=0,
            error_status=500,
            error_code="InternalFailureException",
            error_applies=False,
            error_on="",
            reject_prefix="",
            fail_prefix="",
        )

    def seed_dp(self, job_id: str, status: str = "Completed") -> None:
        self.admin("POST", "dataprocessing", id=job_id, status=status)

    def advance(self, seconds: float) -> None:
        self.admin("POST", "advance", seconds=seconds)

    def fail(self, job_id: str, reason: str | None = None) -> None:
        self.admin("POST", "fail", id=job_id, reason=reason)

    def delete(self, job_id: str, resource: str = "modeltraining") -> None:
        self.admin("POST", "delete", id=job_id, resource=resource)

    def faults(self, **config: Any) -> None:
        self.admin("POST", "faults", **config)

    def log(self, method: str | None = None, path_prefix: str = "/ml/") -> list[dict[str, Any]]:
        entries = self.admin("GET", "requests")["requests"]
        return [e for e in entries if e["path"].startswith(path_prefix) and method in (None, e["method"])]

    def status(self, job_id: str) -> str:
        r = self.http.get(f"{self.url}/ml/modeltraining/{job_id}", timeout=10)
        return str(r.json().get("status", f"HTTP {r.status_code}"))

    def ids(self, kind: str) -> list[str]:
        """Every job (or endpoint) of ``kind`` (training, processing, endpoint) the emulator holds."""
        return [j["id"] for j in self.admin("GET", "jobs")["jobs"] if j["kind"] == kind]

    def training_ids(self) -> list[str]:
        """Every training job the emulator holds, newest first (whatever the list call shows)."""
        jobs = self.admin("GET", "jobs")["jobs"]
        return [j["id"] for j in reversed(jobs) if j["kind"] == "training"]

    def options(self, **changes: Any) -> None:
        """Switch emulator behaviour for this test (reset before the next one)."""
        for key, value in changes.items():
            setattr(self.emulator.store.options, key, value)


class Workspace:
    """A repository on disk (specs/ and a local ledger) pointed at the emulator by env vars."""

    def __init__(self, root: Path, emu: Emu) -> None:
        self.root, self.emu = root, emu
        self.specs = root / "specs"
        self.specs.mkdir()
        self.state = root / ".reconciler" / "state.json"

    def write(
        self, name: str, spec: str = "", policy: str = "", labels: str = "", dp: str | None = None
    ) -> None:
        (self.specs / f"{name}.yaml").write_text(manifest(name, spec, policy, labels, dp))

    def remove(self, name: str) -> None:
        (self.specs / f"{name}.yaml").unlink()

    def plan_json(self, *args: str) -> dict[str, Any]:
        r = run("plan", "--format", "json", *args)
        assert r.code in (0, 2), r.err
        doc: dict[str, Any] = json.loads(r.out)
        return doc

    def actions(self, *args: str) -> dict[str, str]:
        return {a["name"]: a["action"] for a in self.plan_json(*args)["actions"]}

    def apply(self, *args: str) -> Result:
        return run("apply", "--auto-approve", *args)

    def ledger(self) -> Any:
        from reconciler.state import open_state

        return open_state(str(self.state)).load()

    def current(self, name: str) -> str:
        cur = self.ledger().current(name)
        assert cur is not None
        return str(cur["jobId"])


# -- plain-data builders for the pure core ------------------------------------------------
AT = "2026-11-30T00:00:00Z"
POLICY = {
    "onDataChange": "incremental",
    "onSupersede": "wait",
    "retries": 0,
    "deletion": "retain",
    "suspend": False,
}


def desired(
    name: str = "m", policy: dict[str, Any] | None = None, labels: dict[str, str] | None = None, **spec: Any
) -> Desired:
    base = {"dataProcessingJobId": "dp-1", "trainModelS3Location": "s3://bkt/m"}
    return Desired(
        name,
        effective_spec({**base, **spec}, None, TRAINING),
        {**POLICY, **(policy or {})},
        labels or {},
        kind=TRAINING,
    )


def generation(
    d: Desired, job: str | None = None, previous: str | None = None, action: str = "create", **extra: Any
) -> dict[str, Any]:
    spec = dict(d.spec)
    if previous:
        spec["previousModelTrainingJobId"] = previous
    gen = records.generation(
        job or identity.job_id(d.name, d.spec, previous, TRAINING), spec, action, None, AT, kind=TRAINING
    )
    return {**gen, **extra}


def ledger(
    *entries: tuple[Desired, list[dict[str, Any]]], pending: dict[str, list[dict[str, Any]]] | None = None
) -> Ledger:
    data: dict[str, Any] = {"version": 1, "lineage": "lineage-1", "serial": 7, "resources": {}}
    for d, gens in entries:
        res: dict[str, Any] = {
            "generations": gens,
            "applied": records.applied(d.applied_view(), None, AT),
        }
        if pending and d.name in pending:
            res["pending"] = pending[d.name]
        data["resources"][d.name] = res
    return Ledger(data)


def live(
    jobs: dict[str, str | None] | None = None,
    dps: dict[str, str | None] | None = None,
    listed: tuple[str, ...] = (),
    failures: dict[str, str] | None = None,
    preflight: dict[str, str] | None = None,
) -> Live:
    """Jobs and data-processing jobs read (one channel: ``dps`` are jobs too; dp-1 is Completed)."""
    statuses = {"dp-1": "Completed", **(dps or {}), **(jobs or {})}
    views = {
        k: (JobView(k, v, failure_reason=(failures or {}).get(k)) if v is not None else None)
        for k, v in statuses.items()
    }
    return Live(jobs=views, listed=listed, preflight=preflight or {})
