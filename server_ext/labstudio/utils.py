"""``labstudio.utils``: the naming helpers drivers use from ``sagemaker.utils``."""
from __future__ import annotations

import random
import re
import time
import uuid

__all__ = ["name_from_base", "unique_name_from_base", "unique_name_from_base_uuid4", "sagemaker_timestamp",
           "sagemaker_short_timestamp", "base_name_from_image", "name_from_image"]


def sagemaker_timestamp() -> str:
    """UTC now as ``YYYY-MM-DD-HH-MM-SS-mmm`` (SageMaker's job-name suffix)."""
    now = time.time()
    return time.strftime("%Y-%m-%d-%H-%M-%S", time.gmtime(now)) + f"-{int((now % 1) * 1000):03d}"


def sagemaker_short_timestamp() -> str:
    """UTC now as ``YYMMDD-HHMM``."""
    return time.strftime("%y%m%d-%H%M", time.gmtime())


def name_from_base(base: str, max_length: int = 63, short: bool = False) -> str:
    """``<base>-<timestamp>``, the base cut so the whole fits in max_length."""
    stamp = sagemaker_short_timestamp() if short else sagemaker_timestamp()
    return f"{base[: max_length - len(stamp) - 1]}-{stamp}"


def unique_name_from_base(base: str, max_length: int = 63) -> str:
    """``<base>-<unix seconds>-<4 hex digits>``: unique even within the same millisecond."""
    suffix = f"{int(time.time())}-{random.SystemRandom().randrange(16**4):04x}"
    return f"{base[: max_length - len(suffix) - 1]}-{suffix}"


def unique_name_from_base_uuid4(base: str, max_length: int = 63) -> str:
    unique = str(uuid.uuid4())
    return f"{base[: max_length - len(unique) - 1]}-{unique}"


def base_name_from_image(image: str, default_base_name: str | None = None) -> str:
    """The repository part of an image name (``.../sklearn:1.2`` -> ``sklearn``)."""
    if not image:
        return default_base_name or "base_name"
    match = re.match(r"^(.+/)?([^:/]+)(:[^:]+)?$", image)
    return match.group(2) if match else image


def name_from_image(image: str, max_length: int = 63) -> str:
    return name_from_base(base_name_from_image(image), max_length=max_length)
