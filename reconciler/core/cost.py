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

    @property
    def bounded(self) -> bool:
        """Whether ``instance_hours`` is a bound: an endpoint runs per hour, and a job whose API
        takes no timeout (a model transform) has none."""
        return self.unit != "endpoint" and self.timeout_seconds > 0

    def describe(self) -> str:
        hours = self.timeout_seconds / 3600
        if self.unit == "endpoint":
            return f"{self.hpo_jobs} × {self.instance_type} while it serves ({self.instance_hours:g} instance-hours per hour)"
        if not self.bounded:
            return f"one {self.unit} on {self.instance_type}, not bounded in time (its API takes no timeout)"
        if self.unit == "processing job":
            return (
                f"at most {self.instance_hours:g} instance-hours of {self.instance_type} ({hours:g}h timeout)"
            )
        return (
            f"at most {self.instance_hours:g} instance-hours of {self.instance_type} "
            f"({self.hpo_jobs} HPO jobs × {hours:g}h timeout)"
        )
