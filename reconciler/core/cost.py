"""What a job may cost at most, in instance-hours (shown in every plan that starts one)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cost:
    instance_type: str
    instance_hours: float
    hpo_jobs: int
    timeout_seconds: int
    unit: str = "training job"  # what it bounds: a training job's HPO jobs, a processing job, an endpoint

    def describe(self) -> str:
        hours = self.timeout_seconds / 3600
        if self.unit == "endpoint":
            return f"{self.hpo_jobs} × {self.instance_type} while it serves ({self.instance_hours:g} instance-hours per hour)"
        if self.unit == "processing job":
            return (
                f"at most {self.instance_hours:g} instance-hours of {self.instance_type} ({hours:g}h timeout)"
            )
        return (
            f"at most {self.instance_hours:g} instance-hours of {self.instance_type} "
            f"({self.hpo_jobs} HPO jobs × {hours:g}h timeout)"
        )
