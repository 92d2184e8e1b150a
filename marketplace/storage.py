"""File storage behind one interface: product and after-sales images, ledger reports and e-invoices
(fapiao) are kept under a key.
Local disk is the embedded default; `STORAGE_URL=s3://bucket/prefix` keeps them in an
S3-compatible object store (AWS S3, MinIO, Aliyun OSS, Tencent COS) through boto3."""

import logging
import os
import re
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from flask import current_app

from marketplace.errors import DomainError
from marketplace.i18n import N_

log = logging.getLogger(__name__)

KEY_PATTERN = re.compile(r"^[a-f0-9]{32}\.(jpg|png|webp|xlsx|csv|pdf|ofd)$")


class StorageUnavailable(DomainError):
    """The object store did not answer, or refused us (credentials, a missing bucket)."""

    status = 503
    error_code = "storage_unavailable"
    message = N_("The file store is unavailable; try again shortly.")
    retry_after = 5


class Storage(Protocol):
    def save(self, key: str, data: bytes) -> None: ...
    def read(self, key: str) -> bytes | None: ...
    def delete(self, key: str) -> None: ...


def check_key(key: str) -> str:
    if not KEY_PATTERN.match(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalStorage:
    def __init__(self, root: str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / check_key(key)

    def save(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def read(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    """Objects under `prefix` in `bucket`. Credentials come from boto3's usual chain
    (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, ~/.aws, an instance role)."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        addressing_style: str = "auto",
        timeout_seconds: float = 5,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        config = Config(
            connect_timeout=timeout_seconds,
            read_timeout=timeout_seconds,
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": addressing_style},
            # Checksums only where S3 requires them: MinIO, OSS and COS do not all accept the
            # CRC headers boto3 sends by default since 1.36.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url, region_name=region, config=config
        )

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def save(self, key: str, data: bytes) -> None:
        self._call("put_object", Bucket=self.bucket, Key=self._name(key), Body=data)

    def read(self, key: str) -> bytes | None:
        try:
            name = self._name(key)
        except ValueError:
            return None
        answer = self._call("get_object", Bucket=self.bucket, Key=name, missing_ok=True)
        if answer is None:
            return None
        try:
            return answer["Body"].read()
        except (BotoCoreError, OSError) as error:  # the connection lost mid-body
            raise self._unavailable(error) from error

    def delete(self, key: str) -> None:
        self._call("delete_object", Bucket=self.bucket, Key=self._name(key))

    def _call(self, operation: str, *, missing_ok: bool = False, **params: Any) -> Any:
        try:
            return getattr(self.client, operation)(**params)
        except ClientError as error:
            if missing_ok and error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise self._unavailable(error) from error
        except BotoCoreError as error:
            raise self._unavailable(error) from error

    def _unavailable(self, error: Exception) -> StorageUnavailable:
        log.warning("object store %s: %s", self.bucket, error)
        return StorageUnavailable()


def from_config(config: dict[str, Any], instance_path: str) -> Storage:
    url = config.get("STORAGE_URL")
    if not url:
        return LocalStorage(config.get("UPLOAD_DIR") or os.path.join(instance_path, "uploads"))
    parts = urlsplit(url)
    return S3Storage(
        parts.netloc,
        parts.path,
        endpoint_url=config.get("S3_ENDPOINT_URL"),
        region=config.get("S3_REGION"),
        addressing_style=config["S3_ADDRESSING_STYLE"],
        timeout_seconds=config["S3_TIMEOUT_SECONDS"],
    )


def storage() -> Storage:
    store = current_app.extensions.get("storage")
    if store is None:
        store = from_config(current_app.config, current_app.instance_path)
        current_app.extensions["storage"] = store
    return store
