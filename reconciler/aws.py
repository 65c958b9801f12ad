"""AWS plumbing shared by the layers: credentials checked before use, one S3 client factory and
one paginated key listing. botocore is imported only when AWS is actually used."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import ConfigError

# A region, or how to find it: reading an AWS profile's costs a botocore import (~0.1 s), paid
# only by what signs or reaches S3.
Region = str | Callable[[], str]


def region_of(region: Region) -> str:
    return region() if callable(region) else region


def checked_credentials(credentials: Any) -> Any:
    """Frozen credentials safe to put in a header: surrounding whitespace (a trailing newline from
    ``$(cat token)``) is stripped; any other control character is a clear error, never a header
    error that would print the value."""
    from botocore.credentials import ReadOnlyCredentials

    frozen = credentials.get_frozen_credentials()
    parts = {
        "access key id": frozen.access_key,
        "secret access key": frozen.secret_key,
        "session token": frozen.token,
    }
    for label, value in parts.items():
        if value is not None and any(ord(c) < 32 or ord(c) == 127 for c in value.strip()):
            raise ConfigError(
                f"the AWS {label} contains a control character; it was not used",
                "set it again as one line of text (AWS_PROFILE, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN)",
            )
    stripped = {k: (v.strip() if v is not None else None) for k, v in parts.items()}
    return ReadOnlyCredentials(
        stripped["access key id"], stripped["secret access key"], stripped["session token"]
    )


def make_s3_client(region: Region, endpoint: str | None = None) -> Any:
    import botocore.session
    from botocore.config import Config

    config = Config(
        retries={"max_attempts": 5, "mode": "standard"},
        s3={"addressing_style": "path"} if endpoint else {},
        connect_timeout=5,
        read_timeout=30,
    )
    session = botocore.session.get_session()
    credentials = session.get_credentials()
    keys: dict[str, Any] = {}
    if credentials is not None:
        frozen = checked_credentials(credentials)
        keys = {"aws_access_key_id": frozen.access_key, "aws_secret_access_key": frozen.secret_key}
        keys["aws_session_token"] = frozen.token
    return session.create_client(
        "s3", region_name=region_of(region), endpoint_url=endpoint, config=config, **keys
    )


def list_keys(client: Any, bucket: str, prefix: str) -> list[str]:
    """Every key under ``prefix``, sorted, across result pages (errors are the caller's)."""
    keys: list[str] = []
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    while True:
        page = client.list_objects_v2(**kwargs)
        keys += [o["Key"] for o in page.get("Contents", [])]
        if not page.get("IsTruncated"):
            return sorted(keys)
        kwargs["ContinuationToken"] = page.get("NextContinuationToken")
