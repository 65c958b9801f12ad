"""The README's manifest reference is generated from the schema; it must not go stale."""

from __future__ import annotations

from pathlib import Path

from reconciler.core.plan import ACTIONS
from reconciler.manifests import schema
from reconciler.manifests.reference import manifest_reference, update_readme

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_manifest_reference_is_current() -> None:
    assert update_readme(README) == README, "README.md is stale: run `make docs`"


def test_reference_lists_every_field() -> None:
    for name in schema.spec_properties():
        assert f"| `spec.{name}` |" in README
    for name in schema.load(schema.MANIFEST)["properties"]["policy"]["properties"]:
        assert f"| `policy.{name}` |" in README


def test_readme_shows_the_two_commands_and_every_action() -> None:
    assert "make demo" in README and "make test" in README
    for action in ACTIONS:
        assert f"| {action} |" in README


def test_example_workflows_and_hooks_exist() -> None:
    import yaml

    for path in (
        "examples/github/reconciler-pr.yml",
        "examples/github/reconciler-apply.yml",
        "examples/github/reconciler-schedule.yml",
        "action.yml",
        ".pre-commit-hooks.yaml",
    ):
        assert yaml.safe_load((ROOT / path).read_text())
    pr = (ROOT / "examples/github/reconciler-pr.yml").read_text()
    assert "command: validate" in pr and 'comment: "true"' in pr and "id-token: write" in pr
    apply = (ROOT / "examples/github/reconciler-apply.yml").read_text()
    assert "plan-file: ${{ !inputs.fresh && 'plan.json' || '' }}" in apply
    assert "args: --converge --timeout 5h" in apply


def test_each_kind_s_reference_states_only_its_own_rules_and_words() -> None:
    """Copy-paste slips: every kind's name was "Name of the model", a data-processing job's
    subnets ran "training containers", and the Endpoint's modelName claimed R001."""
    by_kind = {s.split("`", 1)[0]: s for s in manifest_reference().split("#### `kind: ")[1:]}
    endpoint, data, model = by_kind["Endpoint"], by_kind["DataProcessingJob"], by_kind["ModelTrainingJob"]
    assert "R001" not in endpoint and "R001" in model and "R001" not in data
    assert "Name of the model:" in model and "Name of the model:" not in endpoint + data
    assert "training containers" not in data
