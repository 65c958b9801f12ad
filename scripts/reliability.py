"""`make reliability`: real processes, real signals, hostile servers and files, on loopback only.

Every scenario runs the real `reconciler` command as a subprocess against the emulator (faults
on: latency, 20 % errors, 5 % dropped answers) and, where it says so, moto's S3 server. Kills are
SIGKILLs at random moments (seeded), not test hooks. After each trial the cluster and the ledger
are compared:

  duplicates  jobs on the cluster beyond the ones the story needs (same work started twice)
  untracked   jobs on the cluster the ledger does not know
  lost        ledger generations whose job is not on the cluster
  manual      runs that needed a human (a lock to break, no convergence within the reruns)

Prints one table and exits non-zero unless every count is zero. `--quick` is the short version
`make test` runs; the full one is `make reliability` (about 10 minutes on 2 cores at a slow moment; bounded in runs and time).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reconciler.core.adopt import name_of  # noqa: E402
from reconciler.emulator import Emulator, Options, S3Artifacts  # noqa: E402

MANIFEST = """apiVersion: neptune-ml.reconciler/v1
kind: ModelTrainingJob
metadata:
  name: {name}
spec:
  dataProcessingJobId: {dp}
  trainModelS3Location: s3://ml-artifacts/{name}
  maxHPONumberOfTrainingJobs: {hpo}
policy:
  onSupersede: stop
"""
FAULTS = {"latency_ms": 20.0, "error_rate": 0.2, "drop_rate": 0.05}
NO_FAULTS = {"latency_ms": 0.0, "error_rate": 0.0, "drop_rate": 0.0, "throttle_rps": 0.0, "error_on": ""}


@dataclass
class Row:
    scenario: str
    runs: int = 0
    kills: int = 0
    duplicates: int = 0
    untracked: int = 0
    lost: int = 0
    manual: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.duplicates or self.untracked or self.lost or self.manual)


class Cluster:
    """The emulator, with its admin routes."""

    def __init__(self, list_all: bool = False) -> None:
        self.emulator = Emulator(Options(job_seconds=3.0, stop_seconds=0.5, list_all=list_all))
        self.url = self.emulator.start("127.0.0.1", 0)
        self.http = requests.Session()
        self.http.trust_env = False

    def admin(self, method: str, route: str, **body: Any) -> Any:
        r = self.http.request(method, f"{self.url}/__emulator/{route}", json=body or None, timeout=10)
        r.raise_for_status()
        return r.json()

    def faults(self, **config: Any) -> None:
        self.admin("POST", "faults", **config)

    def job_ids(self) -> list[str]:
        """Every training job the emulator holds (the list call shows only the active ones)."""
        return sorted(j["id"] for j in self.admin("GET", "jobs")["jobs"] if j["kind"] == "training")

    def status(self, job: str) -> str:
        r = self.http.get(f"{self.url}/ml/modeltraining/{job}", timeout=10)
        return str(r.json().get("status")) if r.status_code == 200 else "missing"


class Repo:
    """A repository on disk whose commands run as real processes."""

    def __init__(self, root: Path, cluster: Cluster, state: str, s3_endpoint: str | None) -> None:
        self.root, self.cluster, self.state = root, cluster, state
        (root / "specs").mkdir(parents=True, exist_ok=True)
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "NEPTUNE_", "RECONCILER_"))
        }
        self.env.update(
            NEPTUNE_ENDPOINT=cluster.url, RECONCILER_STATE=state, AWS_ACCESS_KEY_ID="AKIAFAKEFAKEFAKE0000",
            AWS_SECRET_ACCESS_KEY="fake", AWS_EC2_METADATA_DISABLED="true", NO_PROXY="*", NO_COLOR="1",
        )  # fmt: skip
        self.s3_args = ["--s3-endpoint", s3_endpoint] if s3_endpoint else []
        self.cwd = root  # where commands run (a sub-folder, for prune's scope)

    def write(self, name: str, dp: str, hpo: int = 2) -> None:
        (self.root / "specs" / f"{name}.yaml").write_text(MANIFEST.format(name=name, dp=dp, hpo=hpo))

    def start(self, *args: str) -> subprocess.Popen[str]:
        cmd = [sys.executable, "-m", "reconciler", *args, *self.s3_args]
        return subprocess.Popen(
            cmd, cwd=self.cwd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        proc = self.start(*args)
        out, err = proc.communicate(timeout=timeout)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def ledger(self) -> dict[str, Any]:
        r = self.run("state", "show", "--format", "json")
        return json.loads(r.stdout) if r.returncode == 0 else {}


def converge(
    repo: Repo, row: Row, *args: str, reruns: int = 12, plan_args: tuple[str, ...] | None = None
) -> bool:
    """Rerun apply until it succeeds and the plan is in sync; what it took is counted."""
    for _ in range(reruns):
        row.runs += 1
        r = repo.run("apply", "--auto-approve", *args)
        if "is locked by" in r.stderr and "expires in" in r.stderr:
            time.sleep(0.5)  # a live holder: wait for it, as a user would
            continue
        if (
            r.returncode == 0
            and repo.run("plan", *(args if plan_args is None else plan_args)).returncode == 0
        ):
            return True
        time.sleep(0.2)
    row.manual += 1
    row.notes.append(f"no convergence after {reruns} reruns")
    return False


def killed_apply(
    repo: Repo, row: Row, rng: random.Random, *args: str, window: tuple[float, float] = (0.3, 2.0)
) -> None:
    """Start apply and SIGKILL it at a random moment of ``window`` seconds (possibly after it finished)."""
    proc = repo.start("apply", "--auto-approve", *args)
    time.sleep(rng.uniform(*window))
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        row.kills += 1
    proc.communicate()
    row.runs += 1


def audit(repo: Repo, row: Row, expected_jobs: int, pruned: frozenset[str] = frozenset()) -> None:
    """Compare the cluster with the ledger and with what the story needed (the jobs of pruned
    manifests stay on the cluster and leave the ledger, as prune promises)."""
    repo.cluster.faults(**NO_FAULTS)
    on_cluster = set(repo.cluster.job_ids())
    ledger = repo.ledger()
    known = {g["jobId"] for res in ledger.get("resources", {}).values() for g in res["generations"]}
    row.duplicates += max(0, len(on_cluster) - expected_jobs)
    row.untracked += len({j for j in on_cluster - known if name_of(j) not in pruned})
    row.lost += len(known - on_cluster)
    if row.duplicates or row.untracked or row.lost:
        row.notes.append(f"cluster {sorted(on_cluster)} ledger {sorted(known)} expected {expected_jobs}")


def lifecycle(repo: Repo, row: Row, rng: random.Random, models: int) -> None:
    """create → incremental → retrain (stopping the running incremental jobs) → prune, each
    phase's first apply killed at a random moment."""
    names = [f"m{i}" for i in range(models)]
    pruned = frozenset(names[: models // 2])
    emu = repo.cluster
    for dp in ("dp-1", "dp-2"):
        emu.admin("POST", "dataprocessing", id=dp, status="Completed")
    phases: list[tuple[str, Callable[[], None], int]] = [
        ("create", lambda: [repo.write(n, "dp-1") for n in names], models),
        ("incremental", lambda: [repo.write(n, "dp-2") for n in names], 2 * models),
        ("retrain", lambda: [repo.write(n, "dp-2", hpo=3) for n in names], 3 * models),
        ("prune", lambda: [(repo.root / "specs" / f"{n}.yaml").unlink() for n in pruned], 3 * models),
    ]
    for phase, change, expected in phases:
        change()
        emu.faults(**FAULTS, seed=rng.randrange(1 << 30))
        confirm = [arg for n in sorted(pruned) for arg in ("--confirm-prune", n)]
        extra = ("--prune", *confirm) if phase == "prune" else ()
        killed_apply(repo, row, rng, *extra)
        converge(repo, row, *extra)
        if phase == "create":
            emu.admin("POST", "advance", seconds=10)  # complete: the incremental jobs build on them
        audit(repo, row, expected, pruned if phase == "prune" else frozenset())


@contextmanager
def s3_server() -> Iterator[tuple[str, Any]]:
    import botocore.session
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKE0000")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "fake")
    client = botocore.session.get_session().create_client(
        "s3", endpoint_url=endpoint, region_name="us-east-1"
    )
    try:
        yield endpoint, client
    finally:
        server.stop()


def state_for(kind: str, tmp: Path, s3: Any) -> str:
    if kind == "file":
        return str(tmp / ".reconciler" / "state.json")
    bucket = f"rel-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    return f"s3://{bucket}/state.json"


@contextmanager
def trial(kind: str, s3: tuple[str, Any], list_all: bool = False) -> Iterator[Repo]:
    """A fresh emulator and repository (file or S3 state) for one trial; stopped afterwards."""
    cluster = Cluster(list_all)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            state = state_for(kind, Path(tmp), s3[1])
            yield Repo(Path(tmp), cluster, state, s3[0] if kind == "s3" else None)
    finally:
        cluster.emulator.stop()


def scenario_kills(kind: str, trials: int, models: int, seed: int, s3: tuple[str, Any]) -> Row:
    row = Row(f"SIGKILL during create/incremental/retrain/prune, {kind} state")
    rng = random.Random(seed)
    for _ in range(trials):
        with trial(kind, s3) as repo:
            lifecycle(repo, row, rng, models)
    return row


GRAPH = {
    "data": """apiVersion: neptune-ml.reconciler/v1
kind: DataProcessingJob
metadata:
  name: data
spec:
  inputDataS3Location: s3://ml-artifacts/exports/{export}
  processedDataS3Location: s3://ml-artifacts/processed/{export}
""",
    "model": MANIFEST.replace("{dp}", "{{ref: data}}"),
    "ep": """apiVersion: neptune-ml.reconciler/v1
kind: Endpoint
metadata:
  name: ep
spec:
  mlModelTrainingJobId: {ref: model}
""",
}


def graph_ids(cluster: Cluster) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"processing": [], "training": [], "endpoint": []}
    for j in cluster.admin("GET", "jobs")["jobs"]:
        found.setdefault(j["kind"], []).append(j["id"])
    return found


def write_graph(specs: Path, export: str) -> None:
    """The data → model → endpoint manifests, the data being ``export``."""
    (specs / "data.yaml").write_text(GRAPH["data"].format(export=export))
    (specs / "model.yaml").write_text(GRAPH["model"].format(name="model", hpo=2))
    (specs / "ep.yaml").write_text(GRAPH["ep"])


def audit_graph(repo: Repo, row: Row, export: str, expected: tuple[int, int, int]) -> None:
    """Exactly ``expected`` (data, training, endpoint) on the cluster, each one in the ledger."""
    ids = graph_ids(repo.cluster)
    counts = (len(ids["processing"]), len(ids["training"]), len(ids["endpoint"]))
    row.duplicates += sum(max(0, c - e) for c, e in zip(counts, expected, strict=True))
    ledger = repo.ledger().get("resources", {})
    known = {g["jobId"] for res in ledger.values() for g in res["generations"]}
    on_cluster = {i for group in ids.values() for i in group}
    row.untracked += len(on_cluster - known)
    row.lost += len(known - on_cluster)
    if counts != expected or on_cluster != known:
        row.notes.append(f"{export}: cluster {ids} ledger {sorted(known)} expected {expected}")


def scenario_graph(kind: str, trials: int, seed: int, s3: tuple[str, Any]) -> Row:
    """data → model → endpoint, then new data: each `apply --converge` SIGKILLed at a random moment
    (faults on) and rerun until it converges; then exactly the jobs the story needs, all in the ledger."""
    row = Row(f"SIGKILL during apply --converge (data → model → endpoint), {kind} state")
    rng = random.Random(seed)
    args = ("--converge", "--poll-interval", "200ms", "--timeout", "2m")
    for _ in range(trials):
        with trial(kind, s3) as repo:
            specs = repo.root / "specs"
            for export, expected in (("2026-11", (1, 1, 1)), ("2026-12", (2, 2, 1))):
                write_graph(specs, export)
                repo.cluster.faults(**FAULTS, seed=rng.randrange(1 << 30))
                killed_apply(repo, row, rng, *args, window=(0.5, 6.0))  # converge runs for seconds
                repo.cluster.faults(**NO_FAULTS)
                converge(repo, row, *args, plan_args=())
                audit_graph(repo, row, export, expected)
    return row


def scenario_passes(kind: str, trials: int, seed: int, s3: tuple[str, Any]) -> Row:
    """data → model → endpoint, then new data, by `reconciler pass` alone, as a scheduler runs it:
    each pass a new process, faults on, some SIGKILLed at random; passes go on until one says
    converged. Then exactly the jobs the story needs, all in the ledger, and nobody stepped in."""
    row = Row(f"reconciler pass, SIGKILLed at random (data → model → endpoint), {kind} state")
    rng = random.Random(seed)
    for _ in range(trials):
        with trial(kind, s3) as repo:
            specs = repo.root / "specs"
            for export, expected in (("2026-11", (1, 1, 1)), ("2026-12", (2, 2, 1))):
                write_graph(specs, export)
                converged = False
                for _pass in range(40):
                    repo.cluster.faults(**FAULTS, seed=rng.randrange(1 << 30))
                    proc = repo.start("pass")
                    if rng.random() < 0.3:
                        time.sleep(rng.uniform(0.3, 1.5))  # start-up is ~0.4 s: most land in the apply
                        if proc.poll() is None:
                            proc.send_signal(signal.SIGKILL)
                            row.kills += 1
                    out, _ = proc.communicate(timeout=120)
                    row.runs += 1
                    if proc.returncode == 0 and out.rstrip().splitlines()[-1:] == [
                        "pass converged: 3 in sync"
                    ]:
                        converged = True
                        break
                    time.sleep(0.3)  # the schedule's interval: jobs run meanwhile
                repo.cluster.faults(**NO_FAULTS)
                if not converged:
                    row.manual += 1
                    row.notes.append(f"{export}: no pass said converged")
                audit_graph(repo, row, export, expected)
    return row


def scenario_concurrent(
    kind: str, applies: int, trials: int, seed: int, s3: tuple[str, Any], empty_lock: bool
) -> Row:
    what = " after an empty lock file" if empty_lock else ""
    row = Row(f"{applies} simultaneous applies{what}, {kind} state")
    rng = random.Random(seed)
    for _ in range(trials):
        with trial(kind, s3) as repo:
            cluster = repo.cluster
            cluster.admin("POST", "dataprocessing", id="dp-1", status="Completed")
            for i in range(4):
                repo.write(f"m{i}", "dp-1")
            if empty_lock:
                lock = Path(repo.state + ".lock")
                lock.parent.mkdir(parents=True, exist_ok=True)
                lock.write_bytes(b"")
                os.utime(lock, (time.time() - 3600, time.time() - 3600))  # old enough to take over
            cluster.faults(latency_ms=20.0, seed=rng.randrange(1 << 30))
            procs = [repo.start("apply", "--auto-approve") for _ in range(applies)]
            for p in procs:
                p.communicate(timeout=120)
            row.runs += applies
            converge(repo, row)
            audit(repo, row, 4)
    return row


def scenario_lost_ledger(kind: str, seed: int, s3: tuple[str, Any]) -> Row:
    """The four lost-ledger cases, each followed by an apply that must start nothing new."""
    row = Row(f"lost ledger (after incremental, retry, waiting change, recreate), {kind} state")
    cases: list[tuple[str, Callable[[Repo], int]]] = [("incremental", _lost_incremental), ("retry", _lost_retry),
                                                       ("waiting", _lost_waiting), ("recreate", _lost_recreate)]  # fmt: skip
    for _case, build in cases:
        # A Completed chain is found again only through a list call that shows every job (the
        # service lists active ones; the README says what a lost ledger costs then).
        with trial(kind, s3, list_all=True) as repo:
            for dp in ("dp-1", "dp-2"):
                repo.cluster.admin("POST", "dataprocessing", id=dp, status="Completed")
            expected = build(repo)
            _lose(repo, s3[1])
            row.runs += 1
            repo.run("apply", "--auto-approve")
            audit(repo, row, expected)
    return row


def _lose(repo: Repo, s3: Any) -> None:
    if repo.state.startswith("s3://"):
        bucket, _, key = repo.state.removeprefix("s3://").partition("/")
        for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=obj["Key"])
    else:
        for suffix in ("", ".journal", ".lock"):
            Path(repo.state + suffix).unlink(missing_ok=True)


def _lost_incremental(repo: Repo) -> int:
    repo.write("m", "dp-1")
    repo.run("apply", "--auto-approve")
    repo.cluster.admin("POST", "advance", seconds=10)
    repo.write("m", "dp-2")
    repo.run("apply", "--auto-approve")
    return 2


def _lost_retry(repo: Repo) -> int:
    (repo.root / "specs" / "m.yaml").write_text(
        MANIFEST.format(name="m", dp="dp-1", hpo=2) + "  retries: 1\n"
    )
    repo.run("apply", "--auto-approve")
    first = repo.cluster.job_ids()[0]
    repo.cluster.admin("POST", "fail", id=first)
    repo.run("apply", "--auto-approve")
    repo.cluster.admin("POST", "fail", id=f"{first}-r2")
    return 2


def _lost_waiting(repo: Repo) -> int:
    (repo.root / "specs" / "m.yaml").write_text(
        MANIFEST.format(name="m", dp="dp-1", hpo=2).replace("stop", "wait")
    )
    repo.run("apply", "--auto-approve")
    (repo.root / "specs" / "m.yaml").write_text(
        MANIFEST.format(name="m", dp="dp-1", hpo=5).replace("stop", "wait")
    )
    return 1


def _lost_recreate(repo: Repo) -> int:
    repo.write("m", "dp-1")
    repo.run("apply", "--auto-approve")
    repo.cluster.admin("POST", "delete", id=repo.cluster.job_ids()[0])
    repo.run("apply", "--auto-approve")
    return 1


def _running(repo: Repo) -> set[str]:
    return {j for j in repo.cluster.job_ids() if repo.cluster.status(j) == "InProgress"}


def _known(repo: Repo) -> dict[str, str]:
    """Manifest name -> its current job, as the ledger says."""
    resources = repo.ledger().get("resources", {})
    return {n: r["generations"][-1]["jobId"] for n, r in resources.items() if r.get("generations")}


def scenario_prune_scope(kind: str, seed: int, s3: tuple[str, Any]) -> Row:
    """`apply --prune .` run from a sub-folder, faults on, acts inside that folder only; a branch
    lacking half the manifests stops nothing without --confirm-prune. Counted as lost: a job
    stopped or a ledger entry dropped that the story did not prune."""
    row = Row(f"--prune . from a sub-folder and a branch lacking half, {kind} state")
    rng = random.Random(seed)
    with trial(kind, s3) as repo:
        (repo.root / ".git").mkdir()  # the repository root: sources are recorded from here
        repo.cluster.admin("POST", "dataprocessing", id="dp-1", status="Completed")
        repo.cluster.emulator.store.options.job_seconds = 600.0  # they run all along
        for folder, names in (("team", ("a", "b")), ("other", ("c", "d", "e", "f"))):
            (repo.root / "specs" / folder).mkdir()
            for n in names:
                (repo.root / "specs" / folder / f"{n}.yaml").write_text(
                    MANIFEST.format(name=n, dp="dp-1", hpo=2)
                )
        converge(repo, row)
        before = _known(repo)
        (repo.root / "specs" / "team" / "b.yaml").unlink()
        repo.cluster.faults(**FAULTS, seed=rng.randrange(1 << 30))
        repo.cwd = repo.root / "specs" / "team"
        converge(repo, row, "--prune", "--confirm-prune", "b", ".")
        repo.cwd = repo.root
        repo.cluster.faults(**NO_FAULTS)
        for n in ("c", "d", "e"):  # a branch lacking three of the five left: half or more
            (repo.root / "specs" / "other" / f"{n}.yaml").unlink()
        row.runs += 1
        repo.run("apply", "--auto-approve", "--prune", "specs")
        (repo.root / "specs" / "other" / "d.yaml").write_text(MANIFEST.format(name="d", dp="dp-1", hpo=2))
        (repo.root / "specs" / "other" / "e.yaml").write_text(MANIFEST.format(name="e", dp="dp-1", hpo=2))
        row.runs += 1
        repo.run("apply", "--auto-approve", "--prune", "specs")  # c alone missing: held, never stopped
        after, running = _known(repo), _running(repo)
        kept = {n: j for n, j in before.items() if n != "b"}
        row.lost += sum(1 for n, j in kept.items() if after.get(n) != j or j not in running)
        row.lost += int("b" in after or before["b"] in running)  # the one pruned: stopped and forgotten
        if row.lost:
            row.notes.append(f"before {before} after {after} running {sorted(running)}")
    return row


def scenario_discovery(kind: str, s3: tuple[str, Any]) -> Row:
    """Manifests in a symlinked folder, a *.YAML file and a dot-folder named by path are applied;
    then `apply --prune` of the whole tree (every name confirmed) stops none of them."""
    row = Row(f"symlinked folder, *.YAML, dot-folder, then --prune of the tree, {kind} state")
    with trial(kind, s3) as repo:
        (repo.root / ".git").mkdir()
        repo.cluster.admin("POST", "dataprocessing", id="dp-1", status="Completed")
        repo.cluster.emulator.store.options.job_seconds = 600.0
        shared, specs = repo.root / "shared", repo.root / "specs"
        shared.mkdir()
        (shared / "linked.yaml").write_text(MANIFEST.format(name="linked", dp="dp-1", hpo=2))
        (specs / "shared").symlink_to(shared, target_is_directory=True)
        (specs / "UPPER.YAML").write_text(MANIFEST.format(name="upper", dp="dp-1", hpo=2))
        (specs / "plain.yaml").write_text(MANIFEST.format(name="plain", dp="dp-1", hpo=2))
        (specs / ".hidden").mkdir()
        (specs / ".hidden" / "h.yaml").write_text(MANIFEST.format(name="hidden", dp="dp-1", hpo=2))
        converge(repo, row, "specs/.hidden/h.yaml", plan_args=("specs/.hidden/h.yaml",))
        converge(repo, row, "specs")
        before = _known(repo)
        if set(before) != {"linked", "upper", "plain", "hidden"}:
            row.manual += 1
            row.notes.append(f"discovery read {sorted(before)}")
        confirm = [a for n in before for a in ("--confirm-prune", n)]
        row.runs += 1
        repo.run("apply", "--auto-approve", "--prune-all", *confirm, "specs")
        after, running = _known(repo), _running(repo)
        row.lost += sum(1 for n, j in before.items() if after.get(n) != j or j not in running)
        if row.lost:
            row.notes.append(f"before {before} after {after} running {sorted(running)}")
    return row


EXPORT = """apiVersion: neptune-ml.reconciler/v1
kind: ExportJob
metadata:
  name: graph-export
spec:
  outputS3Path: s3://rel-exports/{trial}
  params: {{endpoint: db.cluster-abc123.us-east-1.neptune.amazonaws.com, profile: neptune_ml}}
policy:
  confirmWithinSeconds: 6  # its exports take 1 s here
"""


def scenario_export_kills(trials: int, seed: int, s3: tuple[str, Any]) -> Row:
    """An ExportJob, whose service picks the job ids and can't be asked for a job by what it was
    asked: each first apply SIGKILLed, at random, after its intent was written (nothing sent) or
    right after the service answered (before the ledger heard of it), faults on (dropped answers
    too); reruns until in sync. Then at most one
    export per spec on the service, and each one in the ledger with its service id or found by its
    completion file."""
    row = Row("SIGKILL during an ExportJob's create (service-chosen ids)")
    rng = random.Random(seed)
    endpoint, client = s3
    for i in range(trials):
        with trial("file", s3) as repo:
            repo.cluster.emulator.store.artifacts = S3Artifacts(endpoint, "us-east-1")
            repo.cluster.emulator.store.options.export_seconds = 1.0
            name = uuid.uuid4().hex[:10]
            (repo.root / "specs" / "graph-export.yaml").write_text(EXPORT.format(trial=name))
            repo.env.update(NEPTUNE_EXPORT_ENDPOINT=f"{repo.cluster.url}/v1/neptune-export",
                            RECONCILER_S3_ENDPOINT=endpoint)  # fmt: skip
            repo.cluster.faults(**FAULTS, seed=rng.randrange(1 << 30))
            if i % 3:  # at the worst moments: the intent written, nothing sent (create-intent); or the
                # service answered and the ledger does not know (create-call)
                point = "create-call" if i % 3 == 1 else "create-intent"
                paused = {**repo.env, "RECONCILER_PAUSE_AT": point, "RECONCILER_PAUSE_SECONDS": "30"}
                proc = subprocess.Popen([sys.executable, "-m", "reconciler", "apply", "--auto-approve"],
                                        cwd=repo.cwd, env=paused, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)  # fmt: skip
                _kill_when_paused(proc, row)
            else:
                killed_apply(repo, row, rng, window=(0.05, 1.5))
            repo.cluster.faults(**NO_FAULTS)
            args = ("--converge", "--poll-interval", "200ms", "--timeout", "1m")
            if not converge(repo, row, *args, plan_args=()):
                row.notes.append(repo.run("plan").stdout[-400:])
            audit_exports(repo, row, client, name)
    return row


def _kill_when_paused(proc: subprocess.Popen[str], row: Row) -> None:
    """SIGKILL ``proc`` once it says it paused (or when it ends by itself first)."""
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("paused at"):
            proc.send_signal(signal.SIGKILL)
            row.kills += 1
            break
    proc.communicate()
    row.runs += 1


def audit_exports(repo: Repo, row: Row, s3: Any, trial_name: str) -> None:
    """At most one export (the story needs one), each tracked: its service id in the ledger, or
    (its answer lost) its completion file under the handle the ledger holds."""
    started = repo.cluster.admin("GET", "exports")["exports"]
    row.duplicates += max(0, len(started) - 1)
    ledger = repo.ledger().get("resources", {}).get("graph-export", {})
    gens = ledger.get("generations", [])
    ids = {g.get("serviceId") for g in gens}
    handles = {g["jobId"] for g in gens}
    for e in started:
        out = str(e["request"].get("outputS3Path", ""))
        if e["jobId"] not in ids and out.rsplit("/", 1)[-1] not in handles:
            row.untracked += 1
            row.notes.append(f"{trial_name}: export {e['jobId']} ({out}) is not in the ledger {gens}")
    sent = {str(e["request"].get("outputS3Path", "")).rsplit("/", 1)[-1] for e in started}
    # Lost: a generation the ledger holds as started whose export is not on the service (one it
    # gave up on unconfirmed is recorded as possibly never started: it is not counted).
    gone = [g["jobId"] for g in gens if g["action"] != "unconfirmed" and g["jobId"] not in sent]
    row.lost += len(gone)
    if gone or len(started) > 1:
        row.notes.append(f"{trial_name}: exports {[e['jobId'] for e in started]} ledger {gens}")


def scenario_5xx_not_found(kind: str, trials: int, seed: int, s3: tuple[str, Any]) -> Row:
    """30 % of the jobs' status reads answer a 503 whose body says MLResourceNotFoundException
    (the list call answers), and applies are SIGKILLed: a 5xx is never taken for a vanished job,
    so nothing is recreated."""
    row = Row(f"5xx answers naming a missing job, SIGKILLs, {kind} state")
    rng = random.Random(seed)
    for _ in range(trials):
        with trial(kind, s3) as repo:
            repo.cluster.admin("POST", "dataprocessing", id="dp-1", status="Completed")
            for i in range(3):
                repo.write(f"m{i}", "dp-1")
            for _round in range(3):
                repo.cluster.faults(error_rate=0.3, error_status=503, error_code="MLResourceNotFoundException",
                                    error_on="GET /ml/modeltraining/", seed=rng.randrange(1 << 30))  # fmt: skip
                killed_apply(repo, row, rng)
                row.runs += 1
                repo.run("apply", "--auto-approve")
            repo.cluster.faults(**NO_FAULTS, error_status=500, error_code="InternalFailureException")
            converge(repo, row)
            audit(repo, row, 3)
    return row


SKEWED = (
    "import time, runpy, sys; _t = time.time; time.time = lambda: _t() + {skew}; "
    "sys.argv[0] = 'reconciler'; runpy.run_module('reconciler', run_name='__main__')"
)


def scenario_skewed_leases(kind: str, s3: tuple[str, Any]) -> Row:
    """A live apply holds the lock while takers whose clocks run 300 s ahead (and one behind) try:
    none may take it (counted as duplicates: two holders); then a lock claiming ten years, last
    written past the cap, must be taken over with no one breaking it by hand (else manual)."""
    row = Row(f"leases against clocks 300 s ahead and ten-year claims, {kind} state")
    with trial(kind, s3) as repo:
        repo.cluster.admin("POST", "dataprocessing", id="dp-1", status="Completed")
        repo.write("m", "dp-1")
        env = {**repo.env, "RECONCILER_PAUSE_AT": "create-intent", "RECONCILER_PAUSE_SECONDS": "20"}
        holder = subprocess.Popen([sys.executable, "-m", "reconciler", "apply", "--auto-approve", *repo.s3_args],
                                  cwd=repo.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        assert holder.stderr is not None
        holder.stderr.readline()  # "paused at create-intent …": it holds the lease now
        for skew in (300, 900, -300, 300):
            cmd = [sys.executable, "-c", SKEWED.format(skew=skew), "apply", "--auto-approve", *repo.s3_args]
            r = subprocess.run(cmd, cwd=repo.root, env=repo.env, capture_output=True, text=True, timeout=120)
            row.runs += 1
            if "is locked by" not in r.stderr:
                row.duplicates += 1
                row.notes.append(
                    f"a taker {skew:+d} s off took a live lease: exit {r.returncode} {r.stderr[-200:]!r}"
                )
        holder.kill()
        holder.communicate()
        row.kills += 1
        if kind == "file":  # an S3 object's LastModified can't be set back
            lock = Path(repo.state + ".lock")
            decade = 10 * 365 * 86400
            lock.write_text(json.dumps({"id": "x", "owner": "ghost", "host": "elsewhere", "pid": 1,
                                        "ttl": decade, "expires": time.time() + decade}))  # fmt: skip
            os.utime(lock, (time.time() - 400, time.time() - 400))
        if not converge(repo, row, reruns=3):
            row.notes.append("a lease claiming ten years still blocked")
        audit(repo, row, 1)
    return row


def scenario_hostile(quick: bool) -> Row:
    """Hostile endpoints, files, numbers and credentials: every one a one-line error, bounded in time."""
    row = Row("hostile endpoints, files, numbers, credentials")
    servers = [("html 404", _html_404), ("500 forever", _always_500)]
    if not quick:
        servers += [("accept and hang", _hang), ("trickle", _trickle)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "specs").mkdir()
        (root / "specs" / "m.yaml").write_text(MANIFEST.format(name="m", dp="dp-1", hpo=2))
        env = {
            **os.environ,
            "NO_COLOR": "1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "RECONCILER_STATE": str(root / "s.json"),
        }
        checks: list[tuple[str, list[str], dict[str, str]]] = []
        for label, handler in servers:
            checks.append((label, ["plan", "--endpoint", _serve(handler)], {}))
        bad = root / "bad"
        bad.mkdir()
        os.mkfifo(bad / "fifo.yaml")
        (bad / "zero.yaml").symlink_to("/dev/zero")
        (bad / "deep.json").write_text("[" * 50_000 + "]" * 50_000)
        (bad / "big.yaml").write_text(MANIFEST.format(name="b", dp="dp", hpo="9" * 5000))
        checks.append(("hostile files", ["validate", str(bad)], {}))
        checks.append(("newline in a token", ["plan", "--auth", "iam", "--endpoint", "https://localhost:1"],
                       {"AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKE0000", "AWS_SECRET_ACCESS_KEY": "s",
                        "AWS_SESSION_TOKEN": "tok\nen"}))  # fmt: skip
        results: dict[str, subprocess.CompletedProcess[str]] = {}

        def one(label: str, args: list[str], extra: dict[str, str]) -> None:
            results[label] = subprocess.run([sys.executable, "-m", "reconciler", *args], cwd=root, env={**env, **extra},
                                            capture_output=True, text=True, timeout=300)  # fmt: skip

        threads = [threading.Thread(target=one, args=c) for c in checks]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for label, r in results.items():
            row.runs += 1
            lines = r.stderr.strip().splitlines() or r.stdout.strip().splitlines()[-1:]
            if (
                r.returncode != 1
                or len(lines) != 1
                or "Traceback" in r.stderr + r.stdout
                or "tok\nen" in r.stderr
            ):
                row.manual += 1
                row.notes.append(f"{label}: exit {r.returncode}, stderr {r.stderr[-300:]!r}")
    return row


def _serve(handler: Callable[[BaseHTTPRequestHandler], None]) -> str:
    cls = type("H", (BaseHTTPRequestHandler,), {"do_GET": handler, "do_POST": handler,
                                                "log_message": lambda *a: None, "protocol_version": "HTTP/1.1"})  # fmt: skip
    server = ThreadingHTTPServer(("127.0.0.1", 0), cls)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def _reply(h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str) -> None:
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def _html_404(h: BaseHTTPRequestHandler) -> None:
    _reply(h, 404, b"<html><body>Not Found</body></html>", "text/html")


def _always_500(h: BaseHTTPRequestHandler) -> None:
    _reply(h, 500, b'{"code":"InternalFailureException","detailedMessage":"no"}', "application/json")


def _hang(h: BaseHTTPRequestHandler) -> None:
    time.sleep(120)


def _trickle(h: BaseHTTPRequestHandler) -> None:
    h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
    for _ in range(120):
        try:
            h.wfile.write(b" ")
            h.wfile.flush()
        except OSError:
            return
        time.sleep(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the short version make test runs")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--only", default="", help="run only the scenarios whose function's name holds this")
    args = parser.parse_args()
    socket.setdefaulttimeout(None)
    trials, models = (1, 3) if args.quick else (4, 5)
    rows: list[Row] = []
    with s3_server() as s3:
        kinds = ("file",) if args.quick else ("file", "s3")
        plan: list[Callable[[], Row]] = []
        for i, kind in enumerate(kinds):
            plan.append(lambda k=kind, i=i: scenario_kills(k, trials, models, args.seed + i, s3))
            for n in (2,) if args.quick else (2, 8):
                plan.append(
                    lambda k=kind, n=n: scenario_concurrent(k, n, trials, args.seed, s3, empty_lock=False)
                )
            if kind == "file":  # an S3 object's age can't be set back, so the empty-lock race is a file one
                plan.append(lambda k=kind: scenario_concurrent(k, 4, 1, args.seed, s3, empty_lock=True))
            plan.append(lambda k=kind: scenario_lost_ledger(k, args.seed, s3))
            plan.append(lambda k=kind: scenario_graph(k, 1 if args.quick else 3, args.seed, s3))
            if kind == "file":  # paths and discovery don't depend on where the ledger lives
                plan.append(lambda k=kind: scenario_prune_scope(k, args.seed, s3))
                plan.append(lambda k=kind: scenario_discovery(k, s3))
            plan.append(lambda k=kind: scenario_5xx_not_found(k, 1 if args.quick else 2, args.seed, s3))
            plan.append(lambda k=kind: scenario_skewed_leases(k, s3))
            if not args.quick and kind == "file":  # `make test` covers pass in tests/cli/test_pass.py
                plan.append(lambda k=kind: scenario_passes(k, 1, args.seed, s3))
        plan.append(lambda: scenario_export_kills(3 if args.quick else 9, args.seed, s3))
        plan.append(lambda: scenario_hostile(args.quick))
        for build in plan:
            if args.only and args.only not in " ".join(build.__code__.co_names):
                continue  # the lambda names the scenario function it calls
            started = time.monotonic()
            row = build()
            row.seconds = time.monotonic() - started
            rows.append(row)
            print(
                f"  … {row.scenario}: {'ok' if row.ok else 'FAILED'} ({row.seconds:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
    print_table(rows)
    return 0 if all(r.ok for r in rows) else 1


def print_table(rows: list[Row]) -> None:
    head = ("scenario", "runs", "kills", "duplicates", "untracked", "lost", "manual", "time")
    width = max(len(r.scenario) for r in rows)
    print(f"{head[0]:<{width}}  " + "  ".join(f"{h:>10}" for h in head[1:]))
    for r in rows:
        cells = (r.runs, r.kills, r.duplicates, r.untracked, r.lost, r.manual, f"{r.seconds:.0f} s")
        print(f"{r.scenario:<{width}}  " + "  ".join(f"{c!s:>10}" for c in cells))
        for note in r.notes:
            print(f"    {note}")
    verdict = "every row 0 duplicates, 0 untracked, 0 lost, 0 manual" if all(r.ok for r in rows) else "FAILED"
    print(f"\n{verdict}")


if __name__ == "__main__":
    sys.exit(main())
