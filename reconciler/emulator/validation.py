"""What the service checks in a create body before it looks at any job (no state needed)."""

from __future__ import annotations

from typing import Any

from .model import (
    CUSTOM_PARAMS,
    MODEL_NAMES,
    S3_ANY,
    S3_RE,
    TRAINING_PARAMS,
    ServiceError,
    check_types,
    invalid,
)


def check_training_body(body: dict[str, Any], strict: bool = False) -> None:
    """Raise the ServiceError the service answers a bad ``POST /ml/modeltraining`` body with."""
    check_types(body, TRAINING_PARAMS, strict)
    for required in ("dataProcessingJobId", "trainModelS3Location"):
        if required not in body:
            raise ServiceError(400, "MissingParameterException", f"Missing required parameter: {required}")
    if not (S3_RE if strict else S3_ANY).match(body["trainModelS3Location"]):
        raise invalid(f"Invalid S3 location for trainModelS3Location: {body['trainModelS3Location']}")
    model = body.get("modelName")
    if model is not None and model not in MODEL_NAMES:
        raise invalid(f"Invalid modelName {model}; valid values: {', '.join(MODEL_NAMES)}")
    if model == "custom" and "customModelTrainingParameters" not in body:
        raise ServiceError(
            400, "MissingParameterException", "Missing required parameter: customModelTrainingParameters"
        )
    if strict and model not in (None, "custom") and "customModelTrainingParameters" in body:
        raise invalid("customModelTrainingParameters is only used with modelName custom")
    if "customModelTrainingParameters" in body:  # botocore's model has no modelName: this alone means custom
        custom = body["customModelTrainingParameters"]
        check_types(custom, CUSTOM_PARAMS, strict)
        if not isinstance(custom.get("sourceS3DirectoryPath"), str):
            raise ServiceError(
                400,
                "MissingParameterException",
                "Missing required parameter: customModelTrainingParameters.sourceS3DirectoryPath",
            )
    for key in (
        "maxHPONumberOfTrainingJobs",
        "maxHPOParallelTrainingJobs",
        "trainingTimeOutInSeconds",
    ):
        if key in body and body[key] < 1:
            raise invalid(f"{key} must be a positive integer")
    if body.get("trainingInstanceVolumeSizeInGB", 0) < 0:
        raise invalid("trainingInstanceVolumeSizeInGB must not be negative")
    if "maxWaitTime" in body:
        if not body.get("enableManagedSpotTraining"):
            raise invalid("maxWaitTime can only be set when enableManagedSpotTraining is true")
        if body["maxWaitTime"] <= body.get("trainingTimeOutInSeconds", 86400):
            raise invalid("maxWaitTime must be greater than trainingTimeOutInSeconds")
