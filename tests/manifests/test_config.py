"""Settings: reconciler.yaml (with --env overlays) < environment variables < flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import ConfigError
from reconciler.manifests.config import require_endpoint, resolve

CONFIG = """\
endpoint: https://base.example.com:8182
region: eu-west-1
auth: iam
state: s3://team/state.json
defaults:
  trainingInstanceType: ml.p3.8xlarge
  maxHPONumberOfTrainingJobs: 10
environments:
  staging:
    endpoint: https://staging.example.com:8182
    state: s3://team/staging.json
    defaults:
      maxHPONumberOfTrainingJobs: 4
"""


def test_file_then_overlay_then_env_then_flags(in_tmp: Path) -> None:
    (in_tmp / "reconciler.yaml").write_text(CONFIG)
    base = resolve(environ={})
    assert (base.endpoint, base.region, base.auth, base.state) == (
        "https://base.example.com:8182",
        "eu-west-1",
        "iam",
        "s3://team/state.json",
    )
    assert base.defaults == {"trainingInstanceType": "ml.p3.8xlarge", "maxHPONumberOfTrainingJobs": 10}
    staging = resolve(env="staging", environ={})
    assert (staging.endpoint, staging.state, staging.region) == (
        "https://staging.example.com:8182",
        "s3://team/staging.json",
        "eu-west-1",
    )
    assert staging.defaults == {"trainingInstanceType": "ml.p3.8xlarge", "maxHPONumberOfTrainingJobs": 4}
    env = {
        "NEPTUNE_ENDPOINT": "https://env.example.com:8182",
        "AWS_REGION": "us-west-2",
        "RECONCILER_STATE": "/tmp/s.json",
    }
    from_env = resolve(env="staging", environ=env)
    assert (from_env.endpoint, from_env.region, from_env.state) == (
        "https://env.example.com:8182",
        "eu-west-1",  # the region is the one setting where reconciler.yaml beats the environment
        "/tmp/s.json",
    )
    flagged = resolve(
        env="staging",
        environ=env,
        flags={"endpoint": "https://flag.example.com:8182", "region": "ap-south-1"},
    )
    assert (flagged.endpoint, flagged.region) == ("https://flag.example.com:8182", "ap-south-1")


def test_region_comes_from_the_first_place_that_sets_it(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = "https://db.cluster-abc123.eu-central-1.neptune.amazonaws.com:8182"
    env = {"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "us-east-2"}
    assert resolve(environ=env, flags={"region": "ap-south-1"}).region_and_source == (
        "ap-south-1",
        "--region",
    )
    assert resolve(environ=env).region_and_source == ("us-west-2", "AWS_REGION")
    assert resolve(environ={"AWS_DEFAULT_REGION": "us-east-2"}).region_and_source == (
        "us-east-2",
        "AWS_DEFAULT_REGION",
    )
    (in_tmp / "config").write_text("[profile team]\nregion = sa-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(in_tmp / "config"))
    monkeypatch.setenv("AWS_PROFILE", "team")
    assert resolve(environ={}, flags={"endpoint": host}).region_and_source == (
        "sa-east-1",
        "the AWS profile 'team'",
    )
    monkeypatch.delenv("AWS_PROFILE")
    assert resolve(environ={}, flags={"endpoint": host}).region_and_source == (
        "eu-central-1",
        "the endpoint's host name",
    )
    assert resolve(environ={}).region_and_source == ("us-east-1", "the default (nothing set a region)")
    (in_tmp / "reconciler.yaml").write_text("region: eu-west-3\n")
    assert resolve(environ=env).region_and_source == ("eu-west-3", "reconciler.yaml (region:)")


def test_no_config_needs_an_endpoint(in_tmp: Path) -> None:
    settings = resolve(environ={})
    assert (
        settings.endpoint is None and settings.state == ".reconciler/state.json" and settings.auth == "none"
    )
    with pytest.raises(ConfigError, match="no Neptune endpoint configured"):
        require_endpoint(settings)


def test_unknown_environment(in_tmp: Path) -> None:
    (in_tmp / "reconciler.yaml").write_text(CONFIG)
    with pytest.raises(
        ConfigError, match=r"unknown environment 'prod' \(reconciler.yaml\) \(known: staging\)"
    ):
        resolve(env="prod", environ={})


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("auth: sigv4\n", "reconciler.yaml:1:7: M014"),
        ("endpoint: ftp://x\n", "reconciler.yaml:1:11: M015"),
        ("colour: blue\n", "reconciler.yaml:1:1: M010"),
        ("environments:\n  staging:\n    defaults:\n      id: x\n", "reconciler.yaml:4:7: M011"),
        ("a: [\n", "reconciler.yaml:2:1: Y001"),
    ],
)
def test_bad_config_is_located(in_tmp: Path, text: str, where: str) -> None:
    (in_tmp / "reconciler.yaml").write_text(text)
    with pytest.raises(ConfigError) as info:
        resolve(environ={})
    assert str(info.value).startswith(where)


def test_explicit_config_path(in_tmp: Path) -> None:
    (in_tmp / "team.yaml").write_text("region: ap-south-1\n")
    assert resolve(config="team.yaml", environ={}).region == "ap-south-1"
    with pytest.raises(ConfigError, match="config file not found"):
        resolve(config="missing.yaml", environ={})


def test_a_fraction_keeps_the_fast_schema_check_and_a_whole_float_is_no_integer() -> None:
    """The compiled check takes 2.0 for an integer: a document with a whole float is checked by the
    full validator (and refused where an integer goes); a metric's 0.734 needs no such detour."""
    from reconciler.manifests import schema

    node = {"type": "object", "properties": {"n": {"type": "integer"}, "m": {"type": "object"}}}
    assert schema._has_whole_float({"n": 2, "m": {"accuracy": 0.734}}) is False
    assert schema._has_whole_float({"n": 2.0}) is True
    assert schema._has_whole_float([{"m": [1.0]}]) is True
    assert list(schema.strict_validator(node).iter_errors({"n": 2.0}))  # 2.0 is not an integer here
