"""What a newcomer trips over first: --version, --debug after the command, durations with units,
unknown names with a did-you-mean, bare field names in explain."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reconciler import __version__

from ..helpers import Workspace, run


def test_version() -> None:
    r = run("--version")
    assert (r.code, r.out) == (0, f"reconciler {__version__}\n")


def test_debug_before_or_after_the_command(in_tmp: Path) -> None:
    for args in (("--debug", "validate", "nope.yaml"), ("validate", "nope.yaml", "--debug")):
        r = run(*args)
        assert (
            r.code == 1
            and "Traceback" in r.err
            and r.err.endswith(
                "error: nope.yaml: no such file or directory (pass the files or folders holding manifests)\n"
            )
        )
    assert "Traceback" not in run("validate", "nope.yaml").err


@pytest.mark.parametrize("flag", ["--timeout", "--lock-timeout"])
def test_a_duration_needs_a_unit(ws: Workspace, flag: str) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m")
    r = run("apply", "--auto-approve", flag, "6")
    assert r.code == 2 and r.err == f"error: {flag} '6' has no unit (say 6s, 6m or 6h)\n"
    assert ws.emu.training_ids() == []  # refused before anything was sent
    assert run("apply", "--auto-approve", flag, "90s").code == 0


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("-1", "error: --poll-interval '-1' is negative (give a length of time, e.g. 5s)\n"),
        ("5", "error: --poll-interval '5' has no unit (say 5s, 5m or 5h)\n"),
        ("soon", "error: --poll-interval 'soon' is not a duration (e.g. 90s, 30m, 6h, 1h30m, 500ms)\n"),
    ],
)
def test_every_duration_takes_the_same_form(ws: Workspace, value: str, error: str) -> None:
    """--poll-interval took bare seconds (and -1) while --timeout demanded a unit."""
    r = run("apply", "--auto-approve", "--wait", "--poll-interval", value)
    assert (r.code, r.err) == (2, error)
    from reconciler.cli.options import parse_duration

    assert [parse_duration(v) for v in ("5s", "500ms", "1h30m", "0.5s", "2m", "0")] == [
        5,
        0.5,
        5400,
        0.5,
        120,
        0,
    ]


def test_usage_errors_exit_2_in_plain_words_but_plan_keeps_2_for_changes(ws: Workspace) -> None:
    """Usage errors exited 1, and the parser's validation spoke click ("'abc' is not a valid int range.")."""
    r = run("status", "--parallelism", "abc")
    assert r.code == 2 and "--parallelism': expected a whole number, not 'abc'" in r.err
    assert "int range" not in r.err
    r = run("status", "--parallelism", "0")
    assert r.code == 2 and "must be at least 1 and at most 256, not 0 (see" in r.err
    r = run("apply", "--max-stops", "-1")
    assert r.code == 2 and "must be at least 0, not -1 (see" in r.err
    r = run("plan", "--format", "nope")
    assert r.code == 1 and "Value error" not in r.err  # plan's 2 means "changes to make"
    ws.write("m")
    assert run("apply", "--target", "nosuch").code == 2
    assert run("plan", "--target", "nosuch").code == 1
    r = run("plan", "--confirm-prune", "m")  # m is in git: nothing to prune (a rerun after the prune)
    assert r.code == 2 and "warning: --confirm-prune m: nothing of that name is pruned here" in r.out


@pytest.mark.parametrize("flag", ["--target", "--replace"])
def test_unknown_names_are_errors_with_a_did_you_mean(ws: Workspace, flag: str) -> None:
    ws.emu.seed_dp("dp-fraud-rgcn")
    ws.write("fraud-rgcn")
    ws.write("other")
    r = run("plan", flag, "fraud-rgc")
    assert r.code == 1
    assert (
        r.err
        == f"error: {flag} fraud-rgc: no manifest of that name is selected (did you mean 'fraud-rgcn'?)\n"
    )


def test_explain_takes_a_bare_field_name() -> None:
    assert run("explain", "maxWaitTime").out == run("explain", "spec.maxWaitTime").out
    assert run("explain", "suspend").out.startswith("field:       policy.suspend\n")
    r = run("explain", "spec.maxWaitTme")
    assert r.code == 1 and r.err.startswith(
        "error: no field 'maxWaitTme' in spec (did you mean 'spec.maxWaitTime'?"
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ("status", "--frmat", "json"),
            "error: No such option: --frmat (Possible options: --auth, --format) (see `reconciler status --help`)",
        ),
        (("pln",), "error: No such command 'pln'. Did you mean 'plan', 'explain'? (see `reconciler --help`)"),
        (("jobs", "get"), "error: Missing argument 'JOB_ID'. (see `reconciler jobs get --help`)"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(args: tuple[str, ...], says: str) -> None:
    r = run(*args)
    assert (r.code, r.err) == (2, says + "\n")


def test_a_plan_usage_error_exits_1_since_its_2_means_changes() -> None:
    r = run("plan", "--frmat", "json")
    assert r.code == 1 and r.err.startswith("error: No such option: --frmat")


def test_a_connection_error_names_the_endpoint_and_where_it_came_from(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    from reconciler.neptune import client as client_module

    monkeypatch.setattr(client_module.RetryPolicy, "delay", lambda *args: 0.0)  # retry at once
    r = run("jobs", "list", "--endpoint", dead)
    assert r.code == 1 and f"check the endpoint {dead} (from --endpoint) and the network" in r.err
    monkeypatch.setenv("NEPTUNE_ENDPOINT", dead)
    assert f"{dead} (from NEPTUNE_ENDPOINT)" in run("jobs", "list").err
    monkeypatch.delenv("NEPTUNE_ENDPOINT")
    (in_tmp / "reconciler.yaml").write_text(f"endpoint: {dead}\n")
    assert f"{dead} (from reconciler.yaml (endpoint:))" in run("jobs", "list").err


@pytest.mark.parametrize("command", [("validate",), ("plan",), ("apply",), ("status",), ("explain",)])
def test_help_shows_examples_and_no_type_tags_on_flags(command: tuple[str, ...]) -> None:
    r = run(*command, "--help")
    assert r.code == 0 and "Examples:" in r.out and f"$ reconciler {command[0]}" in r.out

    assert "<bool>" not in r.out


EVERY_COMMAND = [
    *[(c,) for c in ("validate", "schema", "explain", "plan", "import", "apply", "status", "emulator")],
    *[("jobs", c) for c in ("list", "get", "stop", "create")],
    *[("state", c) for c in ("show", "rebuild", "rm", "lock", "unlock")],
    (),
    ("jobs",),
    ("state",),
]


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=lambda c: " ".join(c) or "root")
def test_no_command_shows_type_tags(command: tuple[str, ...]) -> None:
    """Flags (--help included) show no <bool>, arguments no <str>/<list[str]>: values show a
    metavar (URL, N, JOB_ID…) and choices their options (<text|json>)."""
    r = run(*command, "--help")
    assert r.code == 0, r.err
    tags = re.findall(r"<[^>]*>", r.out)
    assert all("|" in tag for tag in tags), (command, tags)


@pytest.mark.parametrize(
    ("args", "first"),
    [((), "Usage: reconciler [OPTIONS] COMMAND"), (("jobs",), "Usage: reconciler jobs [OPTIONS] COMMAND")],
)
def test_a_group_named_alone_shows_its_help_as_help(args: tuple[str, ...], first: str) -> None:
    """`reconciler` and `reconciler jobs` printed their help as one escaped error line
    ("error: Usage: …\\n\\n  GitOps …"): the help is shown as it is (exit 2, as click does)."""
    r = run(*args)
    assert r.code == 2 and r.err.startswith(first), r.err
    assert "error:" not in r.err and "\\n" not in r.err
    assert "\nCommands:\n" in r.err and len(r.err.splitlines()) > 8
