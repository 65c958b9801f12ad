"""`make demo`: the life of a few models, end to end, on the embedded emulator and a local S3.

Starts the Neptune ML emulator and moto's S3 server on free loopback ports, copies specs/ into
a scratch repository, and runs the real commands, printing each one first. Exits non-zero as
soon as a step does not do what it says. Both servers stop on exit, failure or Ctrl-C.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from reconciler.emulator.model import default_metrics

ROOT = Path(__file__).resolve().parent.parent
JOB_SECONDS = "2"
STATE = "s3://reconciler-demo-state/neptune-ml/state.json"
BOLD, DIM, RESET = (
    ("\x1b[1m", "\x1b[2m", "\x1b[0m")
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    else ("", "", "")
)


class DemoFailed(Exception):
    pass


def say(text: str) -> None:
    print(f"\n{BOLD}## {text}{RESET}", flush=True)


# What each shown command printed, by label: scripts/readme_examples.py writes the README's
# examples from it (`--transcript FILE`), so they are real output and cannot go stale.
TRANSCRIPT: dict[str, dict[str, str]] = {}


def reconciler(*args: str, expect: int = 0, cwd: Path, label: str = "") -> str:
    """Run one CLI command as a user would, show it and its output, check its exit code."""
    print(f"\n$ reconciler {' '.join(args)}", flush=True)
    proc = subprocess.run(
        [sys.executable, "-m", "reconciler", *args], cwd=cwd, capture_output=True, text=True
    )
    sys.stdout.write(proc.stdout)
    sys.stdout.write(proc.stderr)
    sys.stdout.flush()
    if label:
        TRANSCRIPT[label] = {"command": " ".join(("reconciler", *args)), "output": proc.stdout + proc.stderr}
    if proc.returncode != expect:
        raise DemoFailed(f"`reconciler {' '.join(args)}` exited {proc.returncode}, expected {expect}")
    return proc.stdout


def check_output(repo: Path, *args: str) -> str:
    """A command the demo runs to check a step, not to show it (its JSON is not the story)."""
    proc = subprocess.run(
        [sys.executable, "-m", "reconciler", *args], cwd=repo, capture_output=True, text=True
    )
    if proc.returncode not in (0, 2):
        raise DemoFailed(f"`reconciler {' '.join(args)}` failed: {proc.stderr.strip()}")
    return proc.stdout


def plan_actions(repo: Path, *args: str) -> dict[str, str]:
    doc = json.loads(check_output(repo, "plan", "--format", "json", *args))
    return {a["name"]: a["action"] for a in doc["actions"]}


def expect_actions(repo: Path, wanted: dict[str, str], *args: str) -> None:
    got = plan_actions(repo, *args)
    wrong = {k: (v, got.get(k)) for k, v in wanted.items() if got.get(k) != v}
    if wrong:
        raise DemoFailed(f"the plan did not say what the story needs: {wrong}")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    if old not in text:
        raise DemoFailed(f"{path.name} does not contain {old!r}")
    path.write_text(text.replace(old, new, 1))
    print(f"{DIM}edit {path.name}: {old.strip()} → {new.strip()}{RESET}", flush=True)


def start_servers(tmp: Path, job_seconds: str = JOB_SECONDS) -> tuple[Any, subprocess.Popen[str], str, str]:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # S3's request log is not the story

    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    s3.start()
    host, port = s3.get_host_and_port()
    s3_url = f"http://{host}:{port}"
    emulator = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "emulator", "--port", "0", "--job-seconds", job_seconds,
         "--stop-seconds", "1", "--s3-endpoint", s3_url, "--state-file", str(tmp / "emulator.json")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert emulator.stdout is not None
    line = emulator.stdout.readline()
    if not line.startswith("listening on "):
        raise DemoFailed(
            f"the emulator did not start: {line}{emulator.stderr.read() if emulator.stderr else ''}"
        )
    return s3, emulator, line.split()[-1], s3_url


def stop_servers(s3_server: Any, emulator: subprocess.Popen[str] | None, tmp: Path) -> None:
    """Stop what ``start_servers`` started (either may be None) and remove its scratch folder."""
    if emulator is not None:
        emulator.terminate()
        emulator.communicate(timeout=10)
    if s3_server is not None:
        s3_server.stop()
    shutil.rmtree(tmp, ignore_errors=True)


def seed_s3(s3_url: str) -> Any:
    import botocore.session

    client = botocore.session.get_session().create_client("s3", endpoint_url=s3_url, region_name="us-east-1")
    for bucket in ("reconciler-demo-state", "ml-artifacts"):
        client.create_bucket(Bucket=bucket)
    for name in ("train.py", "transform.py", "model-hpo-configuration.json"):
        client.put_object(Bucket="ml-artifacts", Key=f"users/custom-src/{name}", Body=b"# demo\n")
    return client


def create_data_processing(url: str, ids: list[str]) -> None:
    from reconciler.neptune import make_client

    client = make_client(url)
    for dp in ids:
        body = {
            "id": dp,
            "inputDataS3Location": f"s3://ml-artifacts/exports/{dp}",
            "processedDataS3Location": f"s3://ml-artifacts/processed/{dp}",
        }
        print(f"POST {url}/ml/dataprocessing {json.dumps(body)}", flush=True)
        client.create("dataprocessing", body)
    deadline = time.monotonic() + 30
    while any(client.get("dataprocessing", dp)["status"] != "Completed" for dp in ids):
        if time.monotonic() > deadline:
            raise DemoFailed("data-processing jobs did not complete")
        time.sleep(0.5)
    print(f"{len(ids)} data-processing job(s) Completed", flush=True)


def served(repo: Path) -> tuple[str, str]:
    """(the field, the job) fraud-endpoint's current generation serves, from the ledger."""
    spec = ledger_resources(repo)["fraud-endpoint"]["generations"][-1]["spec"]
    field = next(f for f in ("mlModelTrainingJobId", "mlModelTransformJobId") if spec.get(f))
    return field, spec[field]


def ledger_resources(repo: Path) -> dict[str, Any]:
    resources: dict[str, Any] = json.loads(check_output(repo, "state", "show", "--format", "json"))[
        "resources"
    ]
    return resources


def current_job(repo: Path, name: str) -> str:
    return str(ledger_resources(repo)[name]["generations"][-1]["jobId"])


def training_jobs(repo: Path) -> list[str]:
    """Every training job the ledger knows, of every model manifest."""
    resources = ledger_resources(repo)
    return [
        g["jobId"]
        for r in resources.values()
        if r.get("applied", {}).get("kind", "ModelTrainingJob") == "ModelTrainingJob"
        for g in r["generations"]
    ]


def evaluate_next(repo: Path, url: str, accuracy: float) -> str:
    """The emulator plays SageMaker's evaluation: the job fraud-rgcn's next apply starts will
    report this accuracy in its eval_metrics_info.json."""
    import requests

    plan = json.loads(check_output(repo, "plan", "--format", "json"))
    job = next(a["jobId"] for a in plan["actions"] if a["name"] == "fraud-rgcn")
    requests.post(
        f"{url}/__emulator/metrics", json={"id": job, "metrics": {"accuracy": accuracy}}, timeout=10
    )
    print(f"{DIM}(the emulator will evaluate {job} at accuracy {accuracy}){RESET}")
    return str(job)


def converge_demo(repo: Path, label: str) -> None:
    reconciler("apply", "--auto-approve", "--converge", "--poll-interval", "500ms", cwd=repo, label=label)


def story(repo: Path, url: str, s3: Any) -> None:
    specs = repo / "specs"
    say("1. Two graphs are exported and processed outside git (the Neptune ML API, by hand)")
    create_data_processing(url, ["dp-products-kg-2026-11-01", "dp-users-2026-11-01"])
    print(
        f"{DIM}the transactions graph's export and processing are declared in git: "
        f"specs/transactions-export-2026-11.yaml, specs/fraud-data-2026-11.yaml{RESET}"
    )

    say("2. Validate the manifests (offline: no network, no credentials)")
    reconciler("validate", cwd=repo, label="validate")

    say("3. Plan: export → data → models → endpoint, nothing made yet (exit code 2 = changes to make)")
    reconciler("plan", expect=2, cwd=repo, label="plan-create")
    creates = (
        "transactions-export-2026-11",
        "kg-transe",
        "kg-distmult",
        "kg-rotate",
        "recs-custom",
        "churn-spot",
    )
    waits = ("fraud-data-2026-11", "fraud-rgcn", "aml-vpc", "fraud-endpoint")
    expect_actions(repo, {**dict.fromkeys(creates, "create"), **dict.fromkeys(waits, "wait")})

    say("4. Apply and converge: rounds of apply and wait until the endpoint serves a model trained on the")
    say("   export (the data job reads the export's outputS3Uri, as the Neptune-Export service answered it)")
    reconciler(
        "apply", "--auto-approve", "--converge", "--poll-interval", "500ms", cwd=repo, label="apply-converge"
    )

    say("5. Status: git against reality, and the graph")
    reconciler("status", cwd=repo, label="status")
    if served(repo) != ("mlModelTrainingJobId", current_job(repo, "fraud-rgcn")):
        raise DemoFailed(f"the endpoint serves {served(repo)}, not fraud-rgcn's current job")
    export = ledger_resources(repo)["transactions-export-2026-11"]["generations"][-1]
    data = ledger_resources(repo)["fraud-data-2026-11"]["generations"][-1]["spec"]["inputDataS3Location"]
    if data != export["seen"]["output"] or not data.startswith(
        f"s3://ml-artifacts/exports/transactions/2026-11/{export['jobId']}/"
    ):
        raise DemoFailed(f"fraud-data-2026-11 reads {data}, not the export's outputS3Uri {export['seen']}")

    say("6. New data, no retraining: December's export and its processing are declared in git, and a")
    say(
        "   transform of fraud-rgcn's trained model on it is what the endpoint serves (mlModelTransformJobId)"
    )
    trained = len(training_jobs(repo))
    news = ("transactions-export-2026-12.yaml", "fraud-data-2026-12.yaml", "fraud-transform-2026-12.yaml")
    for example in news:
        source = ROOT / "examples" / "new-data" / example
        (specs / example).write_text(source.read_text().replace("../../schemas/", "../schemas/"))
    print(f"{DIM}cp {' '.join(f'examples/new-data/{n}' for n in news)} specs/{RESET}")
    edit(
        specs / "fraud-endpoint.yaml",
        "mlModelTrainingJobId: {ref: fraud-rgcn}",
        "mlModelTransformJobId: {ref: fraud-transform-2026-12}",
    )
    reconciler("plan", expect=2, cwd=repo, label="plan-new-data")
    expect_actions(
        repo,
        {
            "transactions-export-2026-12": "create", "fraud-data-2026-12": "wait",
            "fraud-transform-2026-12": "wait", "fraud-endpoint": "wait",
        },
    )  # fmt: skip
    converge_demo(repo, label="converge-new-data")
    transform = current_job(repo, "fraud-transform-2026-12")
    if served(repo) != ("mlModelTransformJobId", transform) or len(training_jobs(repo)) != trained:
        raise DemoFailed(f"the endpoint should serve the transform {transform} with no new training job")
    reconciler("status", cwd=repo, label="status-new-data")

    say("7. Later, the scheduled retrain, behind a promotion gate: fraud-rgcn trains on December's")
    say("   data (incremental); the endpoint serves a model only if its accuracy is no worse")
    first = current_job(repo, "fraud-rgcn")
    (specs / "fraud-transform-2026-12.yaml").unlink()
    print(f"{DIM}rm specs/fraud-transform-2026-12.yaml{RESET}")
    edit(
        specs / "fraud-rgcn.yaml",
        "dataProcessingJobId: {ref: fraud-data-2026-11}",
        "dataProcessingJobId: {ref: fraud-data-2026-12}",
    )
    edit(
        specs / "fraud-endpoint.yaml",
        "mlModelTransformJobId: {ref: fraud-transform-2026-12}",
        "mlModelTrainingJobId: {ref: fraud-rgcn}",
    )
    edit(specs / "fraud-endpoint.yaml", "promote: auto", "promote: {metric: accuracy}")
    served_accuracy = default_metrics(first)["accuracy"]
    worse = evaluate_next(repo, url, round(served_accuracy - 0.05, 3))
    reconciler("pass", cwd=repo, label="pass-retrain")  # what a schedule runs: one step, no waiting
    converge_demo(repo, label="converge-retrain")
    if served(repo) != ("mlModelTrainingJobId", first):
        raise DemoFailed(
            f"the gate should have held the worse model {worse}; the endpoint serves {served(repo)}"
        )

    say("   A better model: more HPO jobs retrain it; its accuracy passes the gate, so it is promoted")
    edit(specs / "fraud-rgcn.yaml", "maxHPONumberOfTrainingJobs: 10", "maxHPONumberOfTrainingJobs: 16")
    better = evaluate_next(repo, url, round(served_accuracy + 0.04, 3))
    converge_demo(repo, label="converge-better")
    if served(repo) != ("mlModelTrainingJobId", better):
        raise DemoFailed(f"the endpoint should serve the better model {better}, it serves {served(repo)}")
    shown = reconciler("state", "show", cwd=repo, label="state-show")  # the new job says "from" its parent
    gens = ledger_resources(repo)["fraud-rgcn"]["generations"]
    if gens[-2]["spec"].get("previousModelTrainingJobId") != first or f"from {first}" not in shown:
        raise DemoFailed("the incremental job did not build on the previous model")

    say("8. A hyperparameter change: more HPO jobs for kg-transe changes the model, so a retrain")
    edit(specs / "kg-transe.yaml", "maxHPONumberOfTrainingJobs: 12", "maxHPONumberOfTrainingJobs: 20")
    edit(
        specs / "kg-rotate.yaml",
        "trainingInstanceType: ml.g4dn.4xlarge",
        "trainingInstanceType: ml.g4dn.8xlarge",
    )
    reconciler("plan", expect=2, cwd=repo, label="plan-change")
    expect_actions(repo, {"kg-transe": "retrain", "kg-rotate": "record"})
    reconciler("apply", "--auto-approve", "--wait", "--poll-interval", "500ms", cwd=repo)

    # The fleet as a page (status --format html): `make docs` screenshots it for the README.
    TRANSCRIPT["status-html"] = {
        "command": "reconciler status --format html",
        "output": check_output(repo, "status", "--format", "html"),
    }

    say("9. A model and the endpoint are retired: remove their manifests; pruning them (and the transform")
    say("   retired in step 7) needs --prune,")
    say("   and deleting an endpoint (or stopping a running job) needs it named: --confirm-prune NAME")
    for name in ("churn-spot", "fraud-endpoint"):
        (specs / f"{name}.yaml").unlink()
        print(f"{DIM}rm specs/{name}.yaml{RESET}")
    reconciler("plan", "--prune", expect=2, cwd=repo, label="plan-prune")
    retired = {"churn-spot": "forget", "fraud-transform-2026-12": "forget"}
    expect_actions(repo, {**retired, "fraud-endpoint": "hold"}, "--prune")
    expect_actions(repo, {**retired, "fraud-endpoint": "delete"}, "--confirm-prune", "fraud-endpoint")
    reconciler("apply", "--auto-approve", "--confirm-prune", "fraud-endpoint", cwd=repo, label="apply-prune")

    say("10. In sync: the plan is empty (exit code 0)")
    reconciler("plan", "--prune", cwd=repo, label="plan-in-sync")
    state_keys = [o["Key"] for o in s3.list_objects_v2(Bucket="reconciler-demo-state").get("Contents", [])]
    print(f"{DIM}ledger in S3: {', '.join(state_keys)}{RESET}")
    if state_keys != ["neptune-ml/state.json"]:
        raise DemoFailed(f"the S3 ledger should be one compacted object, found {state_keys}")


# Everything here is local: fake credentials, no profile, no instance metadata, no proxy.
DEMO_ENV = {
    "AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo", "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true", "NO_PROXY": "127.0.0.1,localhost",
}  # fmt: skip


def main(argv: list[str]) -> int:
    transcript = Path(argv[argv.index("--transcript") + 1]) if "--transcript" in argv else None
    os.environ.update(DEMO_ENV)
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "NEPTUNE_ENDPOINT", "RECONCILER_STATE", "AWS_REGION"):
        os.environ.pop(var, None)
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="reconciler-demo-"))
    s3_server = emulator = None
    try:
        say("0. Start the Neptune ML emulator and a local S3 (moto) on free loopback ports")
        s3_server, emulator, url, s3_url = start_servers(tmp)
        print(f"emulator: {url}\nS3:       {s3_url}", flush=True)
        s3 = seed_s3(s3_url)
        repo = tmp / "repo"
        shutil.copytree(ROOT / "specs", repo / "specs")
        config = (
            f"endpoint: {url}\nexportEndpoint: {url}/v1/neptune-export\nregion: us-east-1\n"
            f"state: {STATE}\ns3Endpoint: {s3_url}\n"
        )
        (repo / "reconciler.yaml").write_text(config)
        print(
            f"\n{DIM}# {repo}/reconciler.yaml (the team's settings: endpoints, S3 state){RESET}\n{config}",
            end="",
        )
        TRANSCRIPT["config"] = {"command": "", "output": config}
        story(repo, url, s3)
        if transcript is not None:
            transcript.write_text(json.dumps(TRANSCRIPT, indent=1) + "\n", encoding="utf-8")
    except DemoFailed as e:
        print(f"\ndemo FAILED: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ndemo interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug in the demo itself: one line, not a traceback
        print(f"\ndemo FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    finally:
        stop_servers(s3_server, emulator, tmp)
    print(f"\n{BOLD}Demo complete in {time.monotonic() - started:.0f}s: every step did what it said.{RESET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
