"""``sagemaker_xgboost_container.distributed``: the XGBoost container's multi-host helpers, for one host.

In a container these start a Rabit/collective tracker across the job's hosts before running
the training function. A local job has exactly one host, so there is nothing to connect:
``rabit_run`` calls the function directly (as the master, when asked to pass ``is_master``),
and a call naming several hosts fails with a clear error instead of waiting for peers that
will never come.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def _check_one_host(hosts: Sequence[str], current_host: str | None) -> None:
    others = [h for h in hosts if h != current_host]
    if len(hosts) > 1 and others:
        raise RuntimeError(
            f"distributed XGBoost training across hosts {list(hosts)} is not available: a local job runs on one host "
            "(instance_count=1); train on one host or run the job on SageMaker"
        )


def wait_hostname_resolution(sm_hosts: Sequence[str]) -> None:
    """Every host of a local job is this machine: nothing to wait for."""


class Rabit:
    """The container's Rabit context for one host: rank 0 of 1, the master."""

    def __init__(self, hosts: Sequence[str], current_host: str | None = None, port: int | None = None,
                 master_host: str | None = None, **_options: Any) -> None:
        current = current_host if current_host is not None else (list(hosts) or ["algo-1"])[0]
        _check_one_host(list(hosts), current)
        self.hosts = list(hosts) or [current]
        self.current_host = current
        self.master_host = master_host or self.hosts[0]
        self.port = port

    @property
    def is_master(self) -> bool:
        return True

    @property
    def rank(self) -> int:
        return 0

    @property
    def world_size(self) -> int:
        return 1

    def start(self) -> Rabit:
        return self

    def stop(self) -> None:
        """Nothing was started."""

    def synchronize(self, data: Any) -> list[Any]:
        """Every host's value; with one host, this host's."""
        return [data]

    def __enter__(self) -> Rabit:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def rabit_run(
    exec_fun: Callable[..., Any],
    args: dict[str, Any],
    include_in_training: bool,
    hosts: Sequence[str],
    current_host: str,
    first_port: int | None = None,
    second_port: int | None = None,
    max_connect_attempts: int | None = None,
    connect_retry_timeout: int = 3,
    update_rabit_args: bool = False,
) -> Any:
    """Run ``exec_fun(**args)`` on this (only) host.

    As in the container, a host with no training data (``include_in_training`` false) does
    not train; with ``update_rabit_args`` the function also gets ``is_master=True``.
    """
    _check_one_host(list(hosts), current_host)
    if not include_in_training:
        return None
    call_args = dict(args)
    if update_rabit_args:
        call_args["is_master"] = True
    return exec_fun(**call_args)


__all__ = ["Rabit", "rabit_run", "wait_hostname_resolution"]
