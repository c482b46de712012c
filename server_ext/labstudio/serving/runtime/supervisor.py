"""The endpoint's supervisor, one process per endpoint (started by ``python -m labstudio.serving.server``).

One per endpoint, detached in its own session so it outlives the Jupyter server or CLI that
started it; its workers share its process group, so one signal reaches all of them. It is a
plain synchronous loop (selectors + a signal wake-up pipe, no asyncio), which makes
forking workers from it safe at any time.

Serving topology, chosen for speed:

- it holds the endpoint's public listening socket (bound by the endpoint backend, which can then
  report "port in use" at once, or by itself when run standalone) and one internal socket
  per worker pool (a variant = a pool of ``instances`` pre-forked workers);
- one variant: the pool's workers accept on the public socket themselves, so a request
  costs exactly what a bare tornado server costs; several variants: a router child accepts
  on the public socket and forwards by weight to the pools' internal sockets.

Blue/green update (SIGHUP after the service rewrote ``spec.json``): pools whose variant key
is unchanged stay; new pools are forked on fresh internal sockets and must all report
"ready" (model loaded, i.e. ``/ping`` would answer 200) before anything moves. Then the
new topology starts accepting and the old pools drain (stop accepting, finish what they
hold, close kept-alive connections with ``Connection: close``, exit). Every process accepts
from the same kernel queue, so no connection is dropped in the hand-over. A failed update
(``model_fn`` raising...) kills only the new pools: the endpoint stays InService on its
old variants with the FailureReason saying why. Workers that crash later are re-forked.

State goes to the store (status, FailureReason, variants with ports and pids) unless the
spec says not to (standalone use); ``active.json`` keeps the last applied spec so the
service can restart the endpoint as it was.
"""
from __future__ import annotations

import json
import logging
import os
import selectors
import signal
import socket
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from ...jobs.optml import mount_namespace_refused, own_opt_ml
from ...procs import bind_listener
from ..spec import EndpointSpec, VariantSpec
from .pools import RESTART_BACKOFF, Child, Pool, Transition
from .reporter import Reporter

log = logging.getLogger("labstudio.serving")


class Supervisor:
    def __init__(self, spec: EndpointSpec, public: socket.socket, endpoint_dir: Path | None, spec_path: Path | None) -> None:
        self.spec = spec
        self.public = public
        self.endpoint_dir = endpoint_dir
        self.spec_path = spec_path
        self.stats_dir = (endpoint_dir or Path(tempfile.gettempdir()) / f"labstudio-{spec.name}") / "stats"
        self.reporter = Reporter(spec, endpoint_dir)
        self.pools: dict[str, Pool] = {}
        self.active: list[str] = []
        self.router: Child | None = None
        self.dispatcher: Child | None = None  # an asynchronous endpoint's queue feeder (runtime/dispatcher.py)
        self.dispatcher_restarts: list[float] = []
        self.children: dict[int, Child] = {}
        self.transition: Transition | None = None
        self.reload_requested = False
        self.stopping = False
        self.stop_deadline = 0.0
        self.serial = 0
        self.selector = selectors.DefaultSelector()
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        self.flags: set[int] = set()
        self.exit_code = 0
        self.opt_ml_refused: str | None = "not asked yet"  # run() asks (see jobs/optml.py)
        self.delete_asked = False  # another machine asked (through the store) for the endpoint's deletion
        from ...config import Settings

        self.idle_seconds = Settings.from_env().serverless_idle_seconds
        from .autoscale import Autoscaler

        self.autoscaler = Autoscaler(self.stats_dir)

    # -- signals ------------------------------------------------------------------

    def _install_signals(self) -> None:
        signal.set_wakeup_fd(self.wake_w)
        for sig in (signal.SIGCHLD, signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        self.selector.register(self.wake_r, selectors.EVENT_READ, "wake")

    def _on_signal(self, signum: int, frame: Any) -> None:
        self.flags.add(signum)

    # -- children -------------------------------------------------------------------

    def _fork(self, kind: str, pool: Pool | None) -> Child:
        parent_end, child_end = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # child
            code = 1
            try:
                parent_end.close()
                self._forget_in_child(pool, child_end)
                if pool is not None and self.opt_ml_refused is None:
                    # Still single-threaded: the worker's own /opt/ml/model, as in SageMaker's containers.
                    note = own_opt_ml(pool.variant.model_dir, at="model")
                    if note:
                        log.warning("%s", note.rstrip("\n"))
                # Small predictions are slowed, not sped up, by BLAS threads fighting the
                # other workers for the cores: share the CPUs unless the user chose.
                if pool is not None:
                    os.environ.update(pool.variant.environment)
                if pool is not None and pool.variant.serverless:
                    from .serverless import limit_memory

                    limit_memory(pool.variant.serverless["memory_mb"])
                workers = sum(v.instances for v in self.spec_for_children.variants)
                threads = str(max(1, (os.cpu_count() or 1) // max(1, workers)))
                for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
                    os.environ.setdefault(var, threads)
                if kind == "router":
                    from .router import run_router

                    code = run_router(self.spec_for_children, self.public, child_end)
                elif kind == "dispatcher":
                    from .dispatcher import run_dispatcher

                    code = run_dispatcher(self.spec_for_children, self.public, child_end)
                else:
                    from .worker import run_worker

                    assert pool is not None
                    code = run_worker(self.spec_for_children, pool.variant, self.public, pool.internal, child_end, self.stats_dir)
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        child_end.close()
        parent_end.setblocking(False)
        child = Child(pid=pid, control=parent_end, kind=kind, pool=pool)
        self.children[pid] = child
        if pool is not None:
            pool.children[pid] = child
        self.selector.register(parent_end, selectors.EVENT_READ, ("child", pid))
        return child

    def _forget_in_child(self, pool: Pool | None, keep: socket.socket) -> None:
        """In a fresh child: drop the supervisor's loop, signals and every other child's fds,
        so an exited pool's port is really freed and nothing here is touched twice."""
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            self.selector.close()  # closes the epoll fd only: the parent's registrations stay
        except Exception:
            pass
        for fd in (self.wake_r, self.wake_w):
            try:
                os.close(fd)
            except OSError:
                pass
        for child in self.children.values():
            child.control.close()
        for other in self.pools.values():
            if other is not pool:
                other.internal.close()

    def _send(self, child: Child, message: dict[str, Any]) -> None:
        try:
            child.control.sendall((json.dumps(message) + "\n").encode())
        except OSError:
            pass

    def _drain(self, child: Child) -> None:
        if child.draining:
            return
        child.draining = True
        child.drain_deadline = time.monotonic() + self.spec.timeout + 20
        self._send(child, {"cmd": "drain"})

    @property
    def spec_for_children(self) -> EndpointSpec:
        return self.transition.spec if self.transition else self.spec

    # -- pools ----------------------------------------------------------------------

    def _settings_key(self, spec: EndpointSpec) -> str:
        """Endpoint-wide settings a worker reads at start: a change restarts the pools."""
        return json.dumps([spec.token, spec.body_limit, spec.timeout, spec.default_accept, spec.capture.__dict__, spec.artifact_uri, spec.requirements_cache], sort_keys=True, default=str)

    def _new_pool(self, variant: VariantSpec, settings_key: str) -> Pool:
        self.serial += 1
        internal = bind_listener("127.0.0.1", 0)
        pool = Pool(id=f"{variant.name}#{self.serial}", variant=variant, settings_key=settings_key, internal=internal)
        if variant.serverless:
            from .serverless import Figures

            pool.figures = Figures(self.stats_dir, variant.name)
            pool.last_activity = time.monotonic()
        self.pools[pool.id] = pool
        for _ in range(variant.instances):
            self._fork("worker", pool)
        log.info("variant %s: starting %d worker(s) on internal port %d", variant.name, variant.instances, pool.port)
        return pool

    def _begin(self, spec: EndpointSpec, initial: bool) -> None:
        settings_key = self._settings_key(spec)
        reusable = {
            (p.variant.key, p.settings_key): p for pid in self.active for p in [self.pools[pid]] if not p.draining
        }
        pool_ids: list[str] = []
        new_ids: list[str] = []
        self.transition = Transition(spec=spec, pools=pool_ids, new_pools=new_ids, deadline=time.monotonic() + spec.startup_timeout, initial=initial)
        for variant in spec.variants:
            existing = reusable.pop((variant.key, settings_key), None)
            if existing is not None:
                existing.variant = variant  # weight may have changed
                pool_ids.append(existing.id)
            else:
                pool = self._new_pool(variant, settings_key)
                pool_ids.append(pool.id)
                new_ids.append(pool.id)
        self._maybe_complete()

    def _maybe_complete(self) -> None:
        t = self.transition
        if t is None:
            return
        if all(self.pools[pid].ready for pid in t.new_pools):
            self._complete(t)

    def _complete(self, t: Transition) -> None:
        new_pools = [self.pools[pid] for pid in t.pools]
        old_ids = [pid for pid in self.active if pid not in t.pools]
        routed = len(new_pools) > 1 or any(p.variant.serverless for p in new_pools)  # with no worker, the router accepts
        if routed:
            if self.router is None or self.router.draining:
                self.router = self._fork("router", None)
            table = [
                {"name": p.variant.name, "weight": p.variant.weight, "port": p.port,
                 "max_concurrency": p.variant.serverless["max_concurrency"] if p.variant.serverless else None}
                for p in new_pools
            ]
            self._send(self.router, {"cmd": "table", "variants": table})
            self._send(self.router, {"cmd": "serve"})
            for pool in new_pools:
                if pool.serving_public:
                    pool.serving_public = False
                    for child in pool.children.values():
                        self._send(child, {"cmd": "unserve"})
        else:
            pool = new_pools[0]
            pool.serving_public = True
            for child in pool.children.values():
                self._send(child, {"cmd": "serve"})
            if self.router is not None:
                self._drain(self.router)
                self.router = None
        for pid in old_ids:
            pool = self.pools[pid]
            pool.draining = True
            for child in pool.children.values():
                self._drain(child)
            self._close_pool_if_empty(pool)
        self.active = list(t.pools)
        self.spec = t.spec
        self.transition = None
        self._write_active()
        self.reporter.in_service(self.spec, new_pools)
        for pool in new_pools:
            if pool.variant.serverless:
                pool.last_activity = time.monotonic()  # idle from now on, until traffic comes
                self._serverless_report(pool)
        self._start_dispatcher()
        if self.reload_requested:
            self.reload_requested = False
            self._reload()

    def _fail(self, t: Transition, reason: str) -> None:
        for pid in t.new_pools:
            pool = self.pools[pid]
            pool.draining = True
            for child in pool.children.values():
                child.draining = True
                try:
                    os.kill(child.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self._close_pool_if_empty(pool)
        self.transition = None
        if t.initial:
            self.exit_code = 1
            self.reporter.failed(reason)
            self._begin_stop()
        else:
            for pid in t.pools:  # weights of kept pools go back to what is served
                if pid not in t.new_pools:
                    pool = self.pools[pid]
                    for variant in self.spec.variants:
                        if variant.name == pool.variant.name:
                            pool.variant = variant
            self.reporter.in_service(t.spec, [self.pools[p] for p in self.active], update_failure=reason)
            if self.reload_requested:
                self.reload_requested = False
                self._reload()

    def _start_dispatcher(self) -> None:
        """An asynchronous endpoint's dispatcher, once its workers serve (and again if it died)."""
        if self.spec.async_config is None or self.stopping or (self.dispatcher is not None and not self.dispatcher.draining):
            return
        self.dispatcher = self._fork("dispatcher", None)

    def _restart_dispatcher(self) -> None:
        self.dispatcher = None
        self._start_dispatcher()

    # -- serverless (runtime/serverless.py) ------------------------------------------------

    def _serverless_pool(self, variant: str) -> Pool | None:
        for pid in self.active:
            pool = self.pools.get(pid)
            if pool is not None and pool.variant.name == variant and pool.variant.serverless and not pool.draining:
                return pool
        return None

    @staticmethod
    def _live(pool: Pool) -> list[Child]:
        return [c for c in pool.children.values() if not c.draining]

    def _on_traffic(self, event: str, variant: str) -> None:
        """The router saw requests arrive (demand), end (idle) or be refused (throttled)."""
        pool = self._serverless_pool(variant)
        if pool is None:
            return
        pool.last_activity = time.monotonic()
        if event == "throttled":
            pool.figures.throttles += 1
            self._serverless_report(pool)
            return
        pool.busy = event == "demand"
        if event == "demand" and not self._live(pool) and not self.stopping:
            child = self._fork("worker", pool)
            pool.cold[child.pid] = time.monotonic()
            log.info("variant %s: a request came while no worker runs: starting one (cold start)", variant)
            self._serverless_report(pool)

    def _serverless_idle(self, now: float) -> None:
        """Drain the workers of serverless variants that saw no traffic for the idle time."""
        if self.transition is not None or self.stopping:
            return
        for pid in self.active:
            pool = self.pools.get(pid)
            if pool is None or not pool.variant.serverless or pool.busy or pool.pending_restarts:
                continue
            live = self._live(pool)
            if live and now - pool.last_activity >= self.idle_seconds and all(c.ready for c in live):
                log.info("variant %s: no traffic for %g s: stopping its worker(s)", pool.variant.name, self.idle_seconds)
                for child in live:
                    self._drain(child)
                if self.router is not None:  # the next request must wait for a new worker, not reach a stopping one
                    self._send(self.router, {"cmd": "close_idle", "port": pool.port})
                self._serverless_report(pool)

    def _serverless_report(self, pool: Pool) -> None:
        live = self._live(pool)
        pool.figures.write(len(live))
        if pool.id in self.active:
            self.reporter.refresh_pids([pool])

    def _close_pool_if_empty(self, pool: Pool) -> None:
        if pool.draining and not pool.children and pool.id in self.pools:
            pool.internal.close()
            del self.pools[pool.id]

    def _write_active(self) -> None:
        if self.endpoint_dir is not None:
            self.spec.write(self.endpoint_dir / "active.json")

    def _reload(self) -> None:
        if self.spec_path is None:
            return
        if self.transition is not None:
            self.reload_requested = True
            return
        try:
            spec = EndpointSpec.read(self.spec_path)
        except Exception as exc:
            log.error("cannot read %s: %s", self.spec_path, exc)
            return
        if spec.generation <= self.spec.generation:
            return
        log.info("update to generation %d: %s", spec.generation, ", ".join(f"{v.name}(weight {v.weight:g})" for v in spec.variants))
        self._begin(spec, initial=False)

    # -- events ---------------------------------------------------------------------

    def _on_message(self, child: Child, message: dict[str, Any]) -> None:
        event = message.get("event")
        if event in ("demand", "idle", "throttled"):
            self._on_traffic(event, str(message.get("variant")))
            return
        if event == "ready":
            child.ready = True
            if child.pool is not None and child.pid in child.pool.cold:
                began = child.pool.cold.pop(child.pid)
                child.pool.figures.cold_start((time.monotonic() - began) * 1000)
                log.info("variant %s: cold start took %.0f ms", child.pool.variant.name, (time.monotonic() - began) * 1000)
            if child.pool is not None and child.pool.variant.serverless:
                self._serverless_report(child.pool)
            if child.pool is not None and child.pool.serving_public and not child.draining:
                self._send(child, {"cmd": "serve"})  # a re-forked worker of the serving pool
            if child.pool is not None and self.transition is None and child.pool.id in self.active:
                self.reporter.refresh_pids([child.pool])
            self._maybe_complete()
        elif event == "failed":
            child.failure = str(message.get("reason") or "the worker failed")
        elif event == "replace":
            # The worker's prediction thread is stuck past the timeout: a new worker takes
            # over now; the old one answers what it holds and exits (killed if it cannot).
            pool = child.pool
            if pool is not None and not child.draining and not self.stopping and not pool.draining and pool.id in self.pools:
                log.warning("worker pid %d of variant %s asks to be replaced (%s): starting another", child.pid, pool.variant.name, message.get("reason"))
                self._drain(child)
                self._fork("worker", pool)

    def _read_child(self, pid: int) -> None:
        child = self.children.get(pid)
        if child is None:
            return
        try:
            data = child.control.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.selector.unregister(child.control)
            return
        child.buffer += data
        while b"\n" in child.buffer:
            line, child.buffer = child.buffer.split(b"\n", 1)
            if line.strip():
                try:
                    self._on_message(child, json.loads(line))
                except ValueError:
                    log.warning("unreadable message from pid %d: %r", pid, line[:200])

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self._drain_socket(pid)
            child = self.children.pop(pid, None)
            if child is None:
                continue
            try:
                self.selector.unregister(child.control)
            except (KeyError, ValueError):
                pass
            child.control.close()
            code = os.waitstatus_to_exitcode(status)
            self._on_exit(child, code)

    def _drain_socket(self, pid: int) -> None:
        """Read what the child said before it exited (its failure reason)."""
        child = self.children.get(pid)
        if child is None:
            return
        try:
            while True:
                data = child.control.recv(65536)
                if not data:
                    break
                child.buffer += data
        except OSError:
            pass
        if child.buffer:
            for line in child.buffer.split(b"\n"):
                if line.strip():
                    try:
                        self._on_message(child, json.loads(line))
                    except ValueError:
                        pass
            child.buffer = b""

    def _on_exit(self, child: Child, code: int) -> None:
        pool = child.pool
        if pool is not None:
            pool.children.pop(child.pid, None)
            pool.cold.pop(child.pid, None)
            if pool.variant.serverless and pool.id in self.pools and not self.stopping:
                self._serverless_report(pool)
        if child.draining or self.stopping:
            if pool is not None:
                self._close_pool_if_empty(pool)
            return
        t = self.transition
        if pool is not None and t is not None and pool.id in t.new_pools and not child.ready:
            reason = child.failure or f"a worker of variant {pool.variant.name} exited with code {code} while loading the model (see the endpoint's logs)"
            self._fail(t, reason)
            return
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        if child.kind == "dispatcher":
            now = time.monotonic()
            self.dispatcher_restarts = [r for r in self.dispatcher_restarts if now - r < 60] + [now]
            delay = RESTART_BACKOFF[min(len(self.dispatcher_restarts) - 1, len(RESTART_BACKOFF) - 1)]
            log.error("the async dispatcher %s: starting another in %.1f s (its requests wait in the queue)", how, delay)
            self.timers.append((now + delay, self._restart_dispatcher))
            return
        if child.kind == "router":
            log.error("the router %s: restarting it", how)
            self.router = None
            if t is None and len(self.active) > 1:
                self._complete(Transition(self.spec, list(self.active), [], 0.0, False))
            return
        if pool is not None and pool.id in self.active or (t is not None and pool is not None and pool.id in t.pools):
            assert pool is not None
            now = time.monotonic()
            pool.restarts = [r for r in pool.restarts if now - r < 60] + [now]
            delay = RESTART_BACKOFF[min(len(pool.restarts) - 1, len(RESTART_BACKOFF) - 1)]
            log.error("a worker of variant %s %s%s: starting another in %.1f s", pool.variant.name, how, f" ({child.failure})" if child.failure else "", delay)
            pool.pending_restarts += 1
            self.timers.append((now + delay, lambda p=pool: self._restart_worker(p)))

    def _restart_worker(self, pool: Pool) -> None:
        pool.pending_restarts -= 1
        if pool.draining or self.stopping or pool.id not in self.pools:
            return
        self._fork("worker", pool)

    # -- stop -----------------------------------------------------------------------

    def _begin_stop(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        self.stop_deadline = time.monotonic() + min(self.spec.timeout + 5, 30.0)
        for child in list(self.children.values()):
            self._drain(child)

    # -- main loop ------------------------------------------------------------------

    def run(self) -> int:
        self.timers: list[tuple[float, Any]] = []
        self.opt_ml_refused = mount_namespace_refused()
        if self.opt_ml_refused:  # said once here, not once per worker
            log.warning("labstudio: /opt/ml/model is not the worker's model folder: use SM_MODEL_DIR, which points at it (%s)", self.opt_ml_refused)
        self._install_signals()
        self._begin(self.spec, initial=True)
        while True:
            if self.stopping and not self.children:
                break
            timeout = 0.5
            for key, _ in self.selector.select(timeout):
                if key.data == "wake":
                    try:
                        while os.read(self.wake_r, 512):
                            pass
                    except BlockingIOError:
                        pass
                else:
                    self._read_child(key.data[1])
            flags, self.flags = self.flags, set()
            if signal.SIGCHLD in flags:
                self._reap()
            if signal.SIGHUP in flags and not self.stopping:
                self._reload()
            if flags & {signal.SIGTERM, signal.SIGINT}:
                log.info("stopping: draining every worker")
                self._begin_stop()
            self._reap()
            self._tick()
        self.public.close()
        for pool in self.pools.values():
            pool.internal.close()
        log.info("stopped")
        if self.delete_asked:
            self.reporter.removed()
        return self.exit_code

    def _tick(self) -> None:
        if not self.stopping:
            asked = self.reporter.pulse()  # the heartbeat, and what another machine asks through the store
            if asked is not None:
                log.info("stopping: %s", "another machine asked for the endpoint's deletion" if asked == "delete" else "the store records the endpoint Failed")
                self.delete_asked = asked == "delete"
                self._begin_stop()
        now = time.monotonic()
        due = [t for t in self.timers if t[0] <= now]
        if due:
            self.timers = [t for t in self.timers if t[0] > now]
            for _, callback in due:
                callback()
        self._serverless_idle(now)
        self.autoscaler.tick(self, now)
        t = self.transition
        if t is not None and now > t.deadline:
            self._fail(t, f"the model did not load within {self.spec.startup_timeout:g} s")
        for child in list(self.children.values()):
            late = child.draining and now > child.drain_deadline
            if late or (self.stopping and now > self.stop_deadline):
                try:
                    os.kill(child.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
