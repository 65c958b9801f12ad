"""S3 access shared by the state backend and the custom-model preflight: one client factory
and one paginated key listing. botocore is imported only when S3 is actually used."""

from __future__ import annotations

from typing import Any


def make_s3_client(region: str, endpoint: str | None = None) -> Any:
    import botocore.session
    from botocore.config import Config

    config = Config(
        retries={"max_attempts": 5, "mode": "standard"},
        s3={"addressing_style": "path"} if endpoint else {},
        connect_timeout=5,
        read_timeout=30,
    )
    session = botocore.session.get_session()
    return session.create_client("s3", region_name=region, endpoint_url=endpoint, config=config)


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
