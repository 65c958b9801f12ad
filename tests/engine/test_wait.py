"""--wait polling, on a terminal (rich progress) and off one (plain lines)."""

from __future__ import annotations

import io

import pytest

from reconciler.core.kinds import DATA_PROCESSING, ENDPOINT, TRAINING
from reconciler.core.live import JobView
from reconciler.engine.wait import Watched, wait_for
from reconciler.errors import ReconcilerError
from reconciler.neptune import make_client
from reconciler.render.progress import display_for

from ..helpers import Emu


def start(emu: Emu, job: str) -> None:
    emu.seed_dp("dp-1")
    make_client(emu.url).create_training_job(
        {"id": job, "dataProcessingJobId": "dp-1", "trainModelS3Location": "s3://bkt/m"}
    )


def test_progress_display_on_a_terminal(emu: Emu) -> None:
    start(emu, "j-1")
    out = io.StringIO()
    ticks = iter(range(1000))

    def sleep(seconds: float) -> None:
        emu.advance(30)  # the job finishes while we "sleep"

    jobs = [Watched("m", "j-1", None, TRAINING)]
    views = wait_for(make_client(emu.url), jobs, display_for(jobs, out, tty=True), timeout=3600,
                     clock=lambda: float(next(ticks)), sleep=sleep)  # fmt: skip
    assert views["j-1"] is not None and views["j-1"].status == "Completed"
    assert "m: j-1" in out.getvalue() and "Completed" in out.getvalue()


def test_plain_lines_and_missing_job(emu: Emu) -> None:
    start(emu, "j-2")
    emu.delete("j-2")
    out = io.StringIO()
    jobs = [Watched("m", "j-2", None, TRAINING)]
    views = wait_for(
        make_client(emu.url), jobs, display_for(jobs, out, tty=False), timeout=10, sleep=lambda s: None
    )
    assert views == {"j-2": None} and out.getvalue() == "m: j-2 Missing after 0s\n"


def test_transient_errors_are_not_fatal(emu: Emu) -> None:
    start(emu, "j-3")
    emu.faults(error_rate=1.0)
    client = make_client(emu.url)
    client.sleep = lambda s: None
    calls = {"n": 0}

    def sleep(seconds: float) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            emu.faults(error_rate=0.0)
            emu.advance(61)

    out = io.StringIO()
    jobs = [Watched("m", "j-3", None, TRAINING)]
    views = wait_for(client, jobs, display_for(jobs, out, tty=False), timeout=3600, sleep=sleep)
    assert views["j-3"] is not None and views["j-3"].status == "Completed"


def test_timeout(emu: Emu) -> None:
    start(emu, "j-4")
    clock = iter([0.0, 0.0, 100.0, 200.0])
    with pytest.raises(ReconcilerError, match="timed out after 1m30s waiting for j-4"):
        wait_for(
            make_client(emu.url),
            [Watched("m", "j-4", None, TRAINING)],
            display_for([Watched("m", "j-4", None, TRAINING)], io.StringIO(), tty=False),
            timeout=90,
            clock=lambda: next(clock),
            sleep=lambda s: None,
        )


def test_ci_lines_show_each_hpo_step_against_the_budget() -> None:
    out = io.StringIO()
    display = display_for([Watched("m", "j-5", None, TRAINING)], out, tty=False, hpo={"j-5": 10})
    for status, models, elapsed in [
        ("InProgress", 0, "0s"),
        ("InProgress", 3, "30s"),
        ("InProgress", 3, "35s"),  # nothing new: no line
        ("InProgress", 7, "1m00s"),
        ("Completed", 10, "1m30s"),
    ]:
        display.update("m", "j-5", status, JobView(id="j-5", status=status, models=models), elapsed)
    assert out.getvalue().splitlines() == [
        "m: j-5 InProgress after 0s",
        "m: j-5 HPO 3/10 after 30s",
        "m: j-5 HPO 7/10 after 1m00s",
        "m: j-5 Completed after 1m30s, 10 models",
    ]


def test_terminal_bars_show_hpo_done_of_budget_and_an_overall_bar() -> None:
    out = io.StringIO()
    jobs = [Watched("a", "j-6", None, TRAINING), Watched("b", "j-7", None, TRAINING)]
    display = display_for(jobs, out, tty=True, hpo={"j-6": 4})
    display.update("a", "j-6", "Completed", JobView(id="j-6", status="Completed", models=4), "9s")
    display.update("b", "j-7", "Failed", JobView(id="j-7", status="Failed", models=0), "9s")
    display.stop()
    final = out.getvalue()
    assert "all jobs" in final and "2/2 ended" in final
    row_a = next(line for line in final.splitlines() if "a: j-6" in line)
    assert "HPO 4/4" in row_a and "Completed" in row_a
    row_b = next(line for line in final.splitlines() if "b: j-7" in line)
    assert "HPO 0 " in row_b and "Failed" in row_b  # no budget known: the count alone


def test_an_endpoint_or_data_job_shows_no_hpo_count_on_a_terminal(emu: Emu) -> None:
    """Endpoints showed `HPO 0` bars: only training jobs train models."""
    start(emu, "j-5")
    emu.seed_dp("dp-9", "InProgress")
    out = io.StringIO()
    jobs = [Watched("m", "j-5", None, TRAINING), Watched("d", "dp-9", None, DATA_PROCESSING)]
    display = display_for(jobs, out, tty=True)
    display.update("m", "j-5", "InProgress", None, "1s")
    display.update("d", "dp-9", "InProgress", None, "1s")
    display.stop()
    lines = out.getvalue().splitlines()
    assert any("m: j-5" in line and "HPO 0" in line for line in lines)
    assert all("HPO" not in line for line in lines if "d: dp-9" in line)


@pytest.mark.parametrize(
    ("state", "settles"), [("OutOfService", True), ("SystemUpdating", False), ("RollingBack", False)]
)
def test_wait_knows_sagemaker_s_other_endpoint_states(emu: Emu, state: str, settles: bool) -> None:
    """An OutOfService endpoint ends the wait (it waited until its timeout); SystemUpdating and
    RollingBack pass, so the wait goes on until they do."""
    emu.seed_dp("dp-1")
    client = make_client(emu.url)
    client.create_training_job(
        {"id": "m-1", "dataProcessingJobId": "dp-1", "trainModelS3Location": "s3://b/m"}
    )
    emu.advance(61)
    client.create("endpoints", {"id": "ep", "mlModelTrainingJobId": "m-1"})
    emu.admin("POST", "endpoint-status", id="ep", status=state)
    polls: list[float] = []

    def sleep(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 3:
            emu.admin("POST", "endpoint-status", id="ep", status="")  # passes: InService after its time
            emu.advance(61)

    jobs = [Watched("e", "ep", None, ENDPOINT)]
    views = wait_for(client, jobs, display_for(jobs, io.StringIO(), tty=False), timeout=3600, sleep=sleep)
    view = views["ep"]
    assert view is not None and view.status == (state if settles else "InService")
    assert len(polls) == (0 if settles else 3)


def test_a_round_reads_the_pending_jobs_concurrently() -> None:
    """wait polled one job at a time: a round of N reads cost N round trips. Here every read waits
    at a barrier for all the others; read one at a time, the first would never get through."""
    import threading

    jobs = [Watched(f"m{i}", f"j-{i}", None, TRAINING) for i in range(6)]
    barrier = threading.Barrier(len(jobs), timeout=10)

    class Client:
        def get(self, resource: str, job_id: str, role: str | None = None) -> dict[str, object]:
            barrier.wait()  # raises BrokenBarrierError if the reads do not overlap
            return {"id": job_id, "status": "Completed"}

    out = io.StringIO()
    views = wait_for(Client(), jobs, display_for(jobs, out, tty=False), timeout=60, sleep=lambda s: None)  # type: ignore[arg-type]
    assert sorted(views) == sorted(w.job for w in jobs) and all(
        v and v.status == "Completed" for v in views.values()
    )
    assert out.getvalue().splitlines() == [
        f"m{i}: j-{i} Completed after 0s" for i in range(6)
    ]  # shown in order


def test_a_wait_ends_when_a_job_it_wakes_for_settles_and_leaves_the_rest_running(emu: Emu) -> None:
    """A converge round waits until a job something waits on settles (its dependents can start),
    not until every job running has: the slow one is still InProgress when the wait ends; with
    nothing to wake for, the same wait goes on until both have settled."""
    emu.options(job_seconds=60.0)
    start(emu, "j-slow")
    emu.options(job_seconds=1.0)
    start(emu, "j-fast")
    jobs = [Watched("slow", "j-slow", None, TRAINING), Watched("fast", "j-fast", None, TRAINING)]
    client = make_client(emu.url)

    def sleep(seconds: float) -> None:
        emu.advance(2)

    views = wait_for(client, jobs, display_for(jobs, io.StringIO(), tty=False), timeout=3600, sleep=sleep,
                     wake=frozenset({"fast"}))  # fmt: skip
    fast, slow = views["j-fast"], views["j-slow"]
    assert fast is not None and fast.status == "Completed"
    assert slow is not None and slow.status == "InProgress"
    views = wait_for(client, jobs, display_for(jobs, io.StringIO(), tty=False), timeout=3600, sleep=sleep)
    assert [views[j].status for j in ("j-fast", "j-slow")] == ["Completed", "Completed"]  # type: ignore[union-attr]


def test_the_poll_interval_is_the_time_between_a_jobs_reads_not_a_pause_after_each_round(emu: Emu) -> None:
    """A round of reads that takes 150 ms (the emulator's added latency) leaves 50 ms of a 200 ms
    interval to sleep: a job is read every interval, however many jobs a round reads."""
    start(emu, "j-1")
    emu.faults(latency_ms=150.0)
    jobs = [Watched("m", "j-1", None, TRAINING)]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            emu.advance(120)  # the job finishes

    views = wait_for(make_client(emu.url), jobs, display_for(jobs, io.StringIO(), tty=False), timeout=60,
                     interval=0.2, sleep=sleep)  # fmt: skip
    assert views["j-1"] is not None and views["j-1"].status == "Completed"
    assert len(slept) == 2 and all(0.0 <= s <= 0.05 for s in slept), slept
