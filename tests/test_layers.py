"""Layering at run time. import-linter (`make test`) checks the import statements; this checks
what importing the core actually loads, lazy imports included."""

from __future__ import annotations

import subprocess
import sys

IO_LIBRARIES = {"botocore", "requests", "boto3", "rich", "typer", "yaml", "jsonschema", "urllib3"}

PROBE = (
    f"IO = {sorted(IO_LIBRARIES)!r}\n"
    + """
import importlib, pkgutil, sys
import reconciler.core as core
for info in pkgutil.walk_packages(core.__path__, "reconciler.core."):
    importlib.import_module(info.name)
from reconciler.core.kinds import TRAINING
from reconciler.core.plan import plan
from reconciler.core.desired import Desired
from reconciler.core.ledger import Ledger
from reconciler.core.live import JobView, Live
plan([Desired("m", {"dataProcessingJobId": "d", "trainModelS3Location": "s3://b/m",
      "maxHPONumberOfTrainingJobs": 2, "trainingTimeOutInSeconds": 60,
      "trainingInstanceType": "ml.m5.xlarge"},
      {"onDataChange": "incremental", "onSupersede": "wait", "retries": 0, "suspend": False}, kind=TRAINING)],
     Ledger(), Live(jobs={"d": JobView("d", "Completed")}))
print(sorted({m.split(".")[0] for m in sys.modules} & set(IO)))
"""
)


def test_the_core_loads_no_io_library_even_when_planning() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_kind_catalogue_matches_the_schema_marks() -> None:
    from reconciler.core.kinds import registry
    from reconciler.manifests import schema

    for kind in registry().values():
        marks = {
            k: v["x-on-change"]
            for k, v in schema.load(kind.schema)["properties"]["spec"]["properties"].items()
        }
        assert dict(kind.catalogue) == marks, kind.name
