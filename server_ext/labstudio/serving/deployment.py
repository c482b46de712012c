"""Guarded deployments: UpdateEndpoint with a DeploymentConfig (blue/green with traffic shifting and alarms).

The service checks the request and prepares the new model (``EndpointService.update``); this
module's coordinator then runs the update in a process of its own (``python -m
labstudio.serving.deployment NAME``), holding the store lease ``deployment:NAME`` so that one
coordinator runs it even if the caller goes away. The steps:

1. the new fleet starts as a second variant next to the old one (the supervisor's blue/green:
   it takes traffic only once its workers answer) with the first share of traffic: the canary
   size, the first linear step, or everything (ALL_AT_ONCE);
2. each share is watched for ``WaitIntervalInSeconds``: the alarms of
   ``AutoRollbackConfiguration`` are evaluated twice a second over the requests served since the
   share began (``serving/alarms.py``). An alarm in ALARM sends all traffic back to the old
   fleet at once, the new fleet is drained, and the endpoint stays InService on its old version
   with the reason (which alarm, which value) as its FailureReason and in ``DeploymentProgress``;
3. the share grows (linear) or goes to 100 % (canary); with all traffic on the new fleet, the
   old one is kept for ``TerminationWaitInSeconds`` (alarms still watched), then the new model
   takes the variant's own name and the old fleet ends.

Every change of weights is an ordinary blue/green step of the supervisor, so no request fails
while traffic moves. ``MaximumExecutionTimeoutInSeconds`` bounds the whole update (a rollback).
"""
from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import Invalid
from ..shapes.endpoints import DeploymentConfigRequest
from ..store import endpoints as store
from ..store import leases
from . import alarms, stats
from .spec import VariantSpec

log = logging.getLogger("labstudio.serving.deployment")

EVALUATE_EVERY = 0.5  # seconds between alarm evaluations within a step
DEFAULT_MAX_EXECUTION = 28800.0
TERMINAL = ("Completed", "RolledBack", "Failed")


def lease_name(endpoint: str) -> str:
    return f"deployment:{endpoint}"


STARTUP_GRACE = 10.0  # seconds a just-started coordinator may take to take its lease


def coordinator_gone(db: Any, endpoint: str, started: float, now: float) -> bool:
    """Whether an update said to be in progress has lost its coordinator: its lease is free or
    ran out (a coordinator renews it while it works), past the time one takes to start."""
    if now - started < STARTUP_GRACE:
        return False
    with db.read() as conn:
        lease = leases.get(conn, lease_name(endpoint))
    return lease is None or lease.expired(now)


def new_variant_name(old: str) -> str:
    """The new fleet's variant name while both fleets serve (a variant name has at most 63 characters)."""
    return f"{old[:55]}-update"


def _share(size: Any, instances: int, field: str) -> float:
    """A CanarySize / LinearStepSize as a percentage of the traffic, strictly between 0 and 100."""
    if size is None:
        raise Invalid(f"{field} is required for this Type", field=field)
    if size.Type == "CAPACITY_PERCENT":
        percent = float(size.Value)
    else:
        percent = 100.0 * size.Value / max(1, instances)
    if not 0 < percent < 100:
        raise Invalid(
            f"{field} of {size.Value} {size.Type} is {percent:g} % of the traffic: a canary or a linear step must be more than 0 % "
            "and less than 100 % (use ALL_AT_ONCE to move everything at once)",
            field=field,
        )
    return percent


def plan(config: DeploymentConfigRequest, instances: int) -> list[float]:
    """The new fleet's share of traffic at each step, in percent, ending at 100. Raises ``Invalid``."""
    policy = config.BlueGreenUpdatePolicy
    if policy is None:
        raise Invalid("DeploymentConfig needs a BlueGreenUpdatePolicy (RollingUpdatePolicy is not supported)", field="DeploymentConfig.BlueGreenUpdatePolicy")
    routing = policy.TrafficRoutingConfiguration
    if routing.Type == "ALL_AT_ONCE":
        return [100.0]
    if routing.Type == "CANARY":
        return [_share(routing.CanarySize, instances, "TrafficRoutingConfiguration.CanarySize"), 100.0]
    step = _share(routing.LinearStepSize, instances, "TrafficRoutingConfiguration.LinearStepSize")
    shares: list[float] = []
    share = step
    while share < 100.0 - 1e-9:
        shares.append(round(share, 6))
        share += step
    return shares + [100.0]


class Deployment:
    """The coordinator of one guarded update (run by ``main`` in its own process)."""

    def __init__(self, service: Any, name: str, keep: Any = None) -> None:
        self.keep = keep or (lambda: None)  # renews the coordinator's lease (raises LeaseLost when another took it)
        self.service = service
        self.db = service.db
        self.name = name
        endpoint = service.get(name)
        self.progress: dict[str, Any] = dict(endpoint.config.get("deployment") or {})
        self.config = DeploymentConfigRequest.model_validate(self.progress["DeploymentConfig"])
        self.old = VariantSpec(**self.progress["OldVariant"])
        self.new = VariantSpec(**self.progress["NewVariant"])
        self.alarm_names = [a.AlarmName for a in (self.config.AutoRollbackConfiguration.Alarms or [])] if self.config.AutoRollbackConfiguration else []
        policy = self.config.BlueGreenUpdatePolicy
        assert policy is not None
        self.wait_interval = float(policy.TrafficRoutingConfiguration.WaitIntervalInSeconds)
        self.termination_wait = float(policy.TerminationWaitInSeconds or 0)
        self.deadline = time.monotonic() + float(policy.MaximumExecutionTimeoutInSeconds or DEFAULT_MAX_EXECUTION)
        self.stats_dir = service.endpoint_dir(name) / "stats"

    # -- progress ---------------------------------------------------------------------

    def _save(self, **changes: Any) -> None:
        self.progress.update(changes)
        progress = dict(self.progress)
        self.db.run_write(lambda conn: store.merge_config(conn, self.name, {"deployment": progress}))

    def _step(self, share: float, **fields: Any) -> None:
        steps = list(self.progress.get("Steps") or [])
        steps.append({"Time": time.time(), "NewShare": share, **fields})
        self._save(Steps=steps)

    # -- the run ------------------------------------------------------------------------

    def run(self, shares: list[float]) -> str:
        """Run the steps; returns the outcome (Completed, RolledBack or Failed)."""
        try:
            for share in shares:
                ok, reason = self._shift(share)
                if not ok:
                    return self._fail(reason or "the new fleet could not take traffic")
                tripped = self._watch(share, self.wait_interval if share < 100.0 else max(self.wait_interval, self.termination_wait))
                if tripped:
                    return self._rollback(tripped)
            return self._finish()
        except Exception as exc:  # the coordinator must never leave the endpoint half-way without saying so
            log.exception("the deployment failed")
            try:
                return self._rollback(f"the deployment's coordinator failed: {type(exc).__name__}: {exc}")
            except Exception:
                return self._fail(f"the deployment's coordinator failed: {type(exc).__name__}: {exc}")

    def _shift(self, share: float) -> tuple[bool, str | None]:
        self.keep()
        total = self.old.weight if self.old.weight > 0 else 1.0
        old = replace(self.old, weight=round(total * (100.0 - share) / 100.0, 9))
        new = replace(self.new, weight=round(total * share / 100.0, 9))
        log.info("shifting %g %% of the traffic to the new fleet", share)
        ok, reason = self.service.apply_variants(self.name, [old, new])
        if ok:
            self._step(share, Event="Shifted")
        return ok, reason

    def _watch(self, share: float, seconds: float) -> str | None:
        """Evaluate the alarms over this step's requests for ``seconds``; the reason of a tripped one, else None."""
        definitions = {a.name: a.definition for a in (alarms.require(self.db, self.alarm_names, self.name) if self.alarm_names else [])}
        scopes = {alarms.dimensions(d).get("VariantName") for d in definitions.values()}
        starts = {scope: stats.totals(self.stats_dir, scope) for scope in scopes}
        until = time.monotonic() + seconds
        while True:
            self.keep()
            now = time.monotonic()
            if now > self.deadline:
                return "the update ran past its MaximumExecutionTimeoutInSeconds"
            values: dict[str, Any] = {}
            for name, definition in definitions.items():
                scope = alarms.dimensions(definition).get("VariantName")
                figures = stats.window(starts[scope], stats.totals(self.stats_dir, scope))
                state, reason, value = alarms.evaluate(definition, figures)
                alarms.record(self.db, name, state, reason, value)
                values[name] = {"State": state, "Value": value}
                if state == "ALARM":
                    self._step(share, Event="AlarmTripped", Alarms=values)
                    return f"alarm {name!r} went into ALARM: {reason}"
            if now >= until:
                self._step(share, Event="Watched", Alarms=values)
                return None
            time.sleep(min(EVALUATE_EVERY, max(0.0, until - now)))

    def _rollback(self, reason: str) -> str:
        log.warning("rolling back: %s", reason)
        ok, why = self.service.apply_variants(self.name, [self.old])
        message = f"Update rolled back, still serving the previous version: {reason}"
        if not ok:
            message += f" (restoring the old fleet reported: {why})"
        self._step(0.0, Event="RolledBack", Reason=reason)
        self._save(Status="RolledBack", Reason=reason, EndTime=time.time())
        self.db.run_write(lambda conn: store.set_status(conn, self.name, "InService", message))
        return "RolledBack"

    def _fail(self, reason: str) -> str:
        log.error("the update failed: %s", reason)
        self.service.apply_variants(self.name, [self.old])
        self._save(Status="Failed", Reason=reason, EndTime=time.time())
        self.db.run_write(lambda conn: store.set_status(conn, self.name, "InService", f"Update failed, still serving the previous version: {reason}"))
        return "Failed"

    def _finish(self) -> str:
        """All traffic is the new fleet's: it takes the variant's own name, the old fleet ends."""
        final = replace(self.new, name=self.old.name, weight=self.old.weight)
        ok, reason = self.service.apply_variants(self.name, [final])
        if not ok:
            return self._rollback(f"the new model could not take the variant's name: {reason}")
        self._step(100.0, Event="Completed")
        self._save(Status="Completed", EndTime=time.time())
        self.db.run_write(lambda conn: store.set_status(conn, self.name, "InService", None))
        return "Completed"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m labstudio.serving.deployment ENDPOINT", file=sys.stderr)
        return 2
    from ..config import Settings
    from ..coordinator_lease import CoordinatorLease
    from ..core import Core

    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s [deployment of {argv[0]}] %(levelname)s %(message)s", stream=sys.stderr)
    settings = Settings.from_env()
    core = Core(settings)
    service = core.endpoints
    name = argv[0]
    lease = CoordinatorLease(settings, lease_name(name), what="deployment coordinator")
    if not lease.acquire(service.db, lambda conn, pid, ticks: None):
        log.info("another coordinator runs this deployment")
        return 0
    try:
        deployment = Deployment(service, name, keep=lambda: lease.keep(service.db))
        shares = [float(s) for s in deployment.progress["Plan"]]
        outcome = deployment.run(shares)
        log.info("deployment %s", outcome)
        return 0 if outcome == "Completed" else 1
    finally:
        lease.release(service.db)


def started_log(folder: Path) -> int:
    """The file descriptor of the endpoint's log, where the coordinator writes (appending)."""
    (folder / "logs").mkdir(parents=True, exist_ok=True)
    return os.open(folder / "logs" / "endpoint.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
