"""The supervisor's autoscaler: target tracking on invocations per worker, per variant.

Once a second, for each variant with a scaling policy (``EndpointSpec.scaling``), it reads the
variant's request count from its workers' figures (stats.py) and keeps ``WINDOW`` seconds of it.
The rate, in requests per minute as SageMaker's ``SageMakerVariantInvocationsPerInstance`` is,
divided by the target gives the worker count wanted, kept between MinCapacity and MaxCapacity.
More workers are forked at once (after ``ScaleOutCooldown`` since the last scale-out), fewer
are drained (after ``ScaleInCooldown``; never with ``DisableScaleIn``): a drained worker
finishes what it holds, so scaling in fails no request. CloudWatch measures per minute; the
window here is shorter so a local endpoint follows its traffic within seconds.
"""
from __future__ import annotations

import collections
import logging
import math
from pathlib import Path
from typing import Any

from .. import stats

log = logging.getLogger("labstudio.serving")

WINDOW = 10.0  # seconds of traffic the rate is measured over
MIN_HISTORY = 2.0  # seconds of history before the rate is trusted


class Autoscaler:
    def __init__(self, stats_dir: Path) -> None:
        self.stats_dir = stats_dir
        self.history: dict[str, collections.deque[tuple[float, int]]] = {}
        self.last_out: dict[str, float] = {}
        self.last_in: dict[str, float] = {}
        self.next_check = 0.0

    def desired(self, pool_id: str, variant: str, config: dict[str, Any], live: int, now: float) -> int:
        """The worker count the policy wants now."""
        history = self.history.setdefault(pool_id, collections.deque())
        history.append((now, int(stats.totals(self.stats_dir, variant)["count"])))
        while history and now - history[0][0] > WINDOW:
            history.popleft()
        wanted = live
        span = history[-1][0] - history[0][0]
        if span >= MIN_HISTORY:
            per_minute = (history[-1][1] - history[0][1]) / span * 60.0
            wanted = max(1, math.ceil(per_minute / float(config["target"]) - 1e-9))
        return max(int(config["min"]), min(int(config["max"]), wanted))

    def tick(self, supervisor: Any, now: float) -> None:
        if now < self.next_check or supervisor.transition is not None or supervisor.stopping:
            return
        self.next_check = now + 1.0
        scaling = supervisor.spec.scaling or {}
        for pool_id in list(supervisor.active):
            pool = supervisor.pools.get(pool_id)
            config = scaling.get(pool.variant.name) if pool is not None else None
            if pool is None or not config or pool.variant.serverless or pool.draining:
                continue
            live = supervisor._live(pool)
            wanted = self.desired(pool_id, pool.variant.name, config, len(live), now)
            if wanted > len(live) and now - self.last_out.get(pool_id, -1e9) >= float(config["scale_out_cooldown"]):
                log.info("variant %s: scaling out from %d to %d worker(s)", pool.variant.name, len(live), wanted)
                for _ in range(wanted - len(live)):
                    supervisor._fork("worker", pool)
                self.last_out[pool_id] = now
            elif (wanted < len(live) and config.get("scale_in", True)
                  and now - self.last_in.get(pool_id, -1e9) >= float(config["scale_in_cooldown"])
                  and now - self.last_out.get(pool_id, -1e9) >= float(config["scale_in_cooldown"])):
                log.info("variant %s: scaling in from %d to %d worker(s)", pool.variant.name, len(live), wanted)
                for child in sorted(live, key=lambda c: c.pid, reverse=True)[: len(live) - wanted]:
                    supervisor._drain(child)
                supervisor.reporter.refresh_pids([pool])
                self.last_in[pool_id] = now
