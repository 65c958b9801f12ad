"""The root's command table: --help lists each command by the table's line without building it,
and that line is the command's own (the first paragraph of its help)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer

from reconciler.cli.app import COMMANDS, app
from tests.helpers import run


def _root() -> typer.core.TyperGroup:
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    return group


@pytest.mark.parametrize("name", list(COMMANDS))
@pytest.mark.parametrize("width", [20, 45, 200])
def test_each_listed_line_is_what_click_would_list_of_the_command_itself(name: str, width: int) -> None:
    command = _root().commands[name]
    first = " ".join((command.help or "").split("\n\n")[0].split())
    assert first.startswith(COMMANDS[name].summary)
    assert COMMANDS[name].short(width) == command.get_short_help_str(width)


def test_help_lists_every_command_and_builds_none() -> None:
    root = _root()
    out = run("--help").out
    listed = [line.split()[0] for line in out.split("Commands:\n")[1].splitlines() if line.strip()]
    assert listed == list(COMMANDS)
    assert "Check manifests offline (no network, no credentials)." in out
    # a fresh process: listing imported no command's module
    probe = (
        "import sys\nfrom reconciler.cli.app import main\nsys.argv=['reconciler','--help']\n"
        "try: main()\nexcept SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('reconciler.cli.')), file=sys.stderr)"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stderr
    assert "reconciler.cli.apply" not in loaded and "reconciler.cli.jobs" not in loaded, loaded
    assert "reconciler.cli.app" in loaded
    assert set(root.commands) == set(COMMANDS)


def test_a_command_runs_with_only_its_own_module_loaded() -> None:
    probe = (
        "import sys\nfrom reconciler.cli.app import main\nsys.argv=['reconciler','schema','config']\n"
        "try: main()\nexcept SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('reconciler.cli.')), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert '"$id"' in done.stdout
    assert "reconciler.cli.offline" in done.stderr and "reconciler.cli.apply" not in done.stderr, done.stderr


def test_a_typo_of_a_command_still_suggests_the_name() -> None:
    r = run("valdate", "x")
    assert r.code == 2 and "No such command 'valdate'. Did you mean 'validate'?" in r.err
