"""EndpointService: create (deploy), list, describe, update, delete, invoke, logs, reconcile.

No tornado here: the REST handlers, the CLI and the SDK all call these methods. The
service validates, resolves and snapshots the sources, writes the spec and records state;
where the endpoint's runtime runs is its backend's business (``serving.backends``, chosen
by the ``LABSTUDIO_ENDPOINT_BACKEND`` setting; ``local`` binds the public socket first, so
"port in use" is known at once, then starts a detached supervisor process). The runtime
reports InService/Failed to the store; ``reconcile`` finds runtimes that died and marks
their endpoints Failed (or restarts them when ``RestartOnFailure`` is set).

Errors: ``Invalid`` (400) for a bad request, naming the field; ``NotFound`` (404) for an
endpoint that does not exist; ``Conflict`` (409) for one in the wrong state or a taken name.
"""
from __future__ import annotations

import builtins
import http.client
import logging
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import Conflict, Invalid, NotFound
from ..jobs import kinds
from ..jobs.engine import JobEngine
from ..lineage import record as lineage_record
from ..machines import is_stale, owned_elsewhere, silence, stamp
from ..paths import confine, resolve
from ..registry.refs import is_package_ref
from ..shapes.endpoints import ENDPOINT_STATUSES
from ..store import Database, async_queue
from ..store import endpoints as store
from . import alarms, async_config, async_invoke, deployment, sources
from . import requirements as serving_requirements
from .autoscaling import AutoscalingService
from .autoscaling import to_spec as scaling_spec
from .backends import LaunchFailed, get_endpoint_backend
from .describe import describe_endpoint, summary
from .headers import INVOKED_HEADER, VARIANT_HEADER
from .request import CreateRequest, VariantRequest, parse_create, parse_update
from .spec import DEFAULT_TIMEOUT, CaptureSpec, EndpointSpec, VariantSpec, check_name

log = logging.getLogger("labstudio.serving")

LIVE = ("Creating", "InService", "Updating")
CLIENT_MARGIN = 15.0  # seconds a client waits beyond ModelServerTimeout: the router's 5 s, a worker being replaced
NEVER_STARTED_AFTER = 900.0  # seconds a row may wait for its first spawn (snapshotting a big model takes a while)
DELETE_MARGIN = 15.0  # seconds beyond the drain a delete waits for another machine to carry it out


class EndpointService:
    def __init__(self, settings: Settings, db: Database) -> None:
        """Raises ``Invalid`` when the ``LABSTUDIO_ENDPOINT_BACKEND`` setting names no backend."""
        self.settings = settings
        self.db = db
        self.backend = get_endpoint_backend(settings)

    # -- paths ----------------------------------------------------------------------

    def endpoint_dir(self, name: str) -> Path:
        """The endpoint's folder (spec, snapshots, logs). Raises ``Invalid`` for a malformed name."""
        check_name(name, "endpoint name", "EndpointName")
        return self.settings.endpoints_dir / name

    def log_path(self, name: str) -> Path:
        """Where the endpoint's runtime writes its log. Raises ``Invalid`` for a malformed name."""
        return self.endpoint_dir(name) / "logs" / "endpoint.log"

    # -- jobs as sources ------------------------------------------------------------------

    def _job_lookup(self) -> tuple[Any, Any]:
        engine = JobEngine(self.settings, self.db)

        def job_lookup(name: str) -> Any:
            return engine.get(name, kinds.TRAINING)

        def code_dir_of(name: str) -> Any:
            return engine.layout(name, kinds.TRAINING).code

        return job_lookup, code_dir_of

    def _roots(self, root_dir: Path | None) -> list[Path] | None:
        """Where a REST request may read models from: the Jupyter root and labstudio's own artifacts."""
        if root_dir is None:
            return None
        roots = [root_dir]
        store_uri = self.settings.artifact_uri
        if store_uri.startswith("file://"):
            store_uri = store_uri[len("file://"):]
        if "://" not in store_uri:
            roots.append(Path(store_uri))
        return roots

    def _store_uri(self, uri: str) -> bool:
        """Whether a URI lies under labstudio's own artifact store (when that store is remote)."""
        store_uri = self.settings.artifact_uri.rstrip("/")
        if "://" not in store_uri or store_uri.startswith("file://"):
            return False
        rest = uri[len(store_uri):] if uri.startswith(store_uri + "/") else None
        return rest is not None and ".." not in rest.split("/")

    def _resolve(self, source: str, base_dir: Path | None, root_dir: Path | None = None) -> sources.Source:
        if isinstance(source, str) and is_package_ref(source, base_dir):  # a model package: its ARN or GROUP/VERSION
            from ..jobs.service import JobService
            from ..registry.service import RegistryService  # the registry's service imports this one

            return RegistryService(self.settings, self.db, JobService(JobEngine(self.settings, self.db), kinds.TRAINING)).package_source(source)
        if isinstance(source, str) and root_dir is not None and "://" in source and not source.startswith("file://") and not self._store_uri(source):
            # From REST, a URL would make the server fetch (or read) anything the request names.
            where = f", or an archive under labstudio's artifact store {self.settings.artifact_uri.rstrip('/')}/" if "://" in self.settings.artifact_uri else ""
            raise Invalid(
                f"Source {source!r} is not allowed over the REST API: give a Completed training job's name, "
                f"a model folder or archive inside the Jupyter root (a relative path or file://){where}",
                field="Source",
            )
        if base_dir is not None and source and "://" not in source and not os.path.isabs(os.path.expanduser(source)):
            candidate = base_dir / source
            if candidate.exists():
                source = str(candidate)
        get_job, code_dir = self._job_lookup()
        resolved = sources.resolve(source, get_job, code_dir, base_dir=base_dir)
        if resolved.kind != "job" and "://" not in resolved.location:
            confine(Path(resolved.location).resolve(), "Source", self._roots(root_dir), source)
        return resolved

    def _capture(self, capture: CaptureSpec | None, base_dir: Path | None, root_dir: Path | None) -> CaptureSpec | None:
        """A local DestinationS3Uri becomes the real folder it names, inside the Jupyter root (or
        labstudio's artifact folder) for REST: the workers write there without following a link
        swapped in later (safe_write.py), so captured data never lands outside it."""
        raw = capture.destination if capture is not None else None
        if capture is None or not raw or ("://" in raw and not raw.startswith("file://")):
            return capture
        field = "DataCaptureConfig.DestinationS3Uri"
        path = confine(resolve(raw, base_dir or Path.cwd(), field), field, self._roots(root_dir), raw)
        return replace(capture, destination=str(path))

    def _source_dir(self, raw: str | None, base_dir: Path | None, root_dir: Path | None) -> str | None:
        """The handlers' folder, absolute; checked before anything is created."""
        if not raw:
            return None
        if "\x00" in raw:
            raise Invalid("SourceDir must not contain a NUL character", field="SourceDir")
        source_dir = raw[len("file://"):] if raw.startswith("file://") else raw
        if "://" in source_dir:
            raise Invalid(f"SourceDir {raw!r} must be a local folder", field="SourceDir")
        if base_dir is not None and not os.path.isabs(os.path.expanduser(source_dir)):
            source_dir = str(base_dir / source_dir)
        confine(Path(os.path.expanduser(source_dir)).resolve(), "SourceDir", self._roots(root_dir), raw)
        return source_dir

    def _check_variant(self, req: VariantRequest, src: sources.Source, base_dir: Path | None, root_dir: Path | None) -> None:
        """SourceDir and EntryPoint checked before anything is created (a 400, not a Failed endpoint)."""
        source_dir = self._source_dir(req.source_dir, base_dir, root_dir)
        if source_dir is not None and not Path(source_dir).expanduser().is_dir():
            raise Invalid(f"SourceDir {req.source_dir!r} is not a folder", field="SourceDir")
        if req.entry_point:
            sources.check_entry_point(req.entry_point, sources.code_folder(src, source_dir), allow_absolute=root_dir is None)
        # The snapshot copies what links point to: none may lead out of the roots (REST only).
        roots = self._roots(root_dir)
        if src.kind in ("folder", "file") and "://" not in src.location:
            sources.check_links(Path(src.location), roots, "Source")
        if source_dir is not None:
            sources.check_links(Path(source_dir).expanduser(), roots, "SourceDir")

    def _prepare_variant(
        self, name: str, generation: int, req: VariantRequest, src: sources.Source, base_dir: Path | None, root_dir: Path | None = None
    ) -> VariantSpec:
        source_dir = self._source_dir(req.source_dir, base_dir, root_dir)
        dest = self.endpoint_dir(name) / "variants" / f"{req.name}-g{generation}"
        model_dir, code_dir, entry = sources.prepare(src, dest, source_dir, req.entry_point, allow_absolute=root_dir is None)
        return VariantSpec(
            name=req.name,
            model_dir=model_dir,
            source_dir=code_dir,
            entry_point=entry,
            # None only in an update's partial request, which update() resolves first: these are create's defaults.
            weight=req.weight if req.weight is not None else 1.0,
            instances=req.instances if req.instances is not None else 1,
            environment=req.environment if req.environment is not None else {},
            model_data=src.description,
            origin={"source": req.source, "fingerprint": src.fingerprint, "source_dir": req.source_dir, "entry_point": req.entry_point},
            serverless=req.serverless,
        )

    # -- create ---------------------------------------------------------------------

    def create(
        self,
        request: Mapping[str, Any] | CreateRequest,
        *,
        wait: bool = False,
        timeout: float | None = None,
        base_dir: Path | None = None,
        root_dir: Path | None = None,
        reserved_ports: tuple[int, ...] = (),
    ) -> dict[str, Any]:
        """CreateEndpoint: validates and resolves everything first (nothing is created on a 400/404).

        ``reserved_ports`` are ports an endpoint may not ask for (the Jupyter server's own: a
        409 naming Port, not an endpoint that can never start).

        Raises ``Invalid`` for a bad request (the field named), ``NotFound`` for a source job
        or model that does not exist, ``Conflict`` when the name is taken or a source job is
        not Completed, ``TimeoutError`` when ``wait`` runs out of ``timeout``. A model that
        fails to load or a port in use is not raised: the endpoint becomes Failed, with why.
        """
        req = request if isinstance(request, CreateRequest) else parse_create(request)
        if req.port is not None and req.port in reserved_ports:
            raise Conflict(
                f"Port {req.port} is the Jupyter server's own port: choose another, or leave Port out to get a free one", field="Port"
            )
        req.capture = self._capture(req.capture, base_dir, root_dir) or req.capture
        resolved = [self._resolve(v.source or "", base_dir, root_dir) for v in req.variants]
        for v, src in zip(req.variants, resolved):
            self._check_variant(v, src, base_dir, root_dir)
        name = req.name or sources.default_name(resolved[0], time.time())
        check_name(name, "endpoint name", "EndpointName")
        async_spec = self._async_spec(req, base_dir, root_dir)
        self.backend.preflight()  # a backend that cannot start anything (Ray not reachable...) is a 400, before any row
        config = {
            "port_requested": req.port,
            "restart_on_failure": req.restart_on_failure,
            "auth": bool(req.token),
            "capture": req.capture.__dict__,
            "body_limit": req.body_limit,
            "timeout": req.timeout,
            "generation": 1,
            "async": async_spec,
        }
        variant_rows: list[dict[str, Any]] = [
            {"name": v.name, "model_data": src.description, "entry_point": v.entry_point or src.entry_point, "source_dir": v.source_dir,
             "weight": v.weight, "instance_count": v.instances, "status": "Creating", "config": {}}
            for v, src in zip(req.variants, resolved)
        ]

        def insert(conn: Any) -> None:
            if store.exists(conn, name):
                raise Conflict(f"an endpoint named {name!r} already exists: delete it, update it, or choose another name")
            store.insert(conn, name, "Creating", "127.0.0.1", config, machine=self._machine())
            store.replace_variants(conn, name, variant_rows)
            lineage_record.endpoint_created(conn, name, [(v.name, v.source, src) for v, src in zip(req.variants, resolved)], time.time())

        folder = self.endpoint_dir(name)
        self.db.run_write(insert)
        if folder.exists():  # left over from an endpoint of the same name that was removed by hand
            shutil.rmtree(folder, ignore_errors=True)
        (folder / "logs").mkdir(parents=True, exist_ok=True)
        try:
            variants = [self._prepare_variant(name, 1, v, src, base_dir, root_dir) for v, src in zip(req.variants, resolved)]
        except Exception as exc:
            reason = exc.message if isinstance(exc, Invalid) else f"preparing the model failed: {type(exc).__name__}: {exc}"
            self._set_failed(name, reason)
            return self.describe(name)
        spec = EndpointSpec(
            name=name,
            variants=variants,
            port=req.port or 0,
            token=req.token,
            body_limit=req.body_limit,
            timeout=req.timeout,
            startup_timeout=req.startup_timeout,
            default_accept=req.default_accept,
            capture=req.capture,
            artifact_uri=self.settings.artifact_uri,
            generation=1,
            requirements_cache=serving_requirements.cache_dir(self.settings.home) if req.install_requirements else None,
            async_config=async_spec,
        )
        self._launch(name, spec)
        if wait:
            return self.wait(name, timeout=timeout)
        return self.describe(name)

    def _async_spec(self, req: CreateRequest, base_dir: Path | None, root_dir: Path | None) -> dict[str, Any] | None:
        """The dispatcher's settings, every location checked writable now (raises ``Invalid``)."""
        if req.async_config is None:
            return None
        if self.settings.endpoint_backend != "local":
            raise Invalid(
                "AsyncInferenceConfig needs the local endpoint backend (LABSTUDIO_ENDPOINT_BACKEND=local): the queue's dispatcher runs next to the workers",
                field="AsyncInferenceConfig",
            )
        roots = self._roots(root_dir)
        return async_config.to_spec(
            req.async_config, base_dir=base_dir, artifact_uri=self.settings.artifact_uri,
            confine=(lambda path, field, raw: confine(path, field, roots, raw)) if roots else None,
        )

    def deploy(
        self,
        source: str,
        *,
        name: str | None = None,
        entry_point: str | None = None,
        source_dir: str | None = None,
        workers: int = 1,
        port: int | None = None,
        capture_percent: float | None = None,
        token: str | None = None,
        environment: Mapping[str, str] | None = None,
        variant_name: str = "AllTraffic",
        restart_on_failure: bool = False,
        model_timeout: float | None = None,
        install_requirements: bool = True,
        async_inference_config: Mapping[str, Any] | None = None,
        serverless_config: Mapping[str, Any] | None = None,
        wait: bool = True,
        timeout: float | None = None,
        base_dir: Path | None = None,
        data_capture: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One-variant endpoint from a job, archive or folder (what ``labstudio deploy`` runs).
        ``data_capture`` is a DataCaptureConfig request (it wins over ``capture_percent``).
        ``async_inference_config`` is CreateEndpointConfig's AsyncInferenceConfig (an asynchronous endpoint);
        ``serverless_config`` a variant's ServerlessConfig (MemorySizeInMB, MaxConcurrency: a serverless one).

        ``model_timeout`` is the endpoint's ModelServerTimeout (seconds a request may take);
        ``timeout`` is how long to wait for InService. Raises what ``create`` raises."""
        body: dict[str, Any] = {
            "EndpointName": name,
            "ProductionVariants": [
                {
                    "VariantName": variant_name,
                    "Source": source,
                    "EntryPoint": entry_point,
                    "SourceDir": source_dir,
                    "InitialInstanceCount": workers,
                    "Environment": dict(environment or {}),
                }
            ],
            "Port": port,
            "AuthToken": token,
            "RestartOnFailure": restart_on_failure,
            "ModelServerTimeout": model_timeout,
            "InstallRequirements": install_requirements,
        }
        if async_inference_config is not None:
            body["AsyncInferenceConfig"] = dict(async_inference_config)
        if serverless_config is not None:
            variant = body["ProductionVariants"][0]
            variant["ServerlessConfig"] = dict(serverless_config)
            if workers == 1:  # the default: a serverless variant has no fixed worker count
                del variant["InitialInstanceCount"]
        if capture_percent is not None:
            body["DataCaptureConfig"] = {"EnableCapture": capture_percent > 0, "InitialSamplingPercentage": capture_percent}
        if data_capture is not None:
            body["DataCaptureConfig"] = dict(data_capture)
        return self.create(body, wait=wait, timeout=timeout, base_dir=base_dir)

    def _launch(self, name: str, spec: EndpointSpec, status: str | None = None) -> None:
        """Start the endpoint's runtime through the backend; a failure to start becomes Failed."""
        folder = self.endpoint_dir(name)

        def on_address(served: EndpointSpec) -> None:
            served.write(folder / "spec.json")
            url = f"http://{served.host}:{served.port}"

            def before_start(conn: Any) -> None:
                # pid None until the start is recorded: reconcile leaves such a row alone for a while.
                # This machine serves it from now on; its runtime keeps the heartbeat going.
                store.set_fields(
                    conn, name, url=url, port=served.port, host=served.host, pid=None, pid_start_ticks=None,
                    machine=self._machine(), heartbeat_time=time.time(), delete_requested_time=None,
                )
                if status:
                    store.set_status(conn, name, status, None)

            self.db.run_write(before_start)

        try:
            started = self.backend.start(spec, folder, on_address)
        except LaunchFailed as exc:
            self._set_failed(name, exc.reason)
            return
        self.db.run_write(lambda conn: store.set_fields(conn, name, pid=started.pid, pid_start_ticks=started.start_ticks))

    def _set_failed(self, name: str, reason: str) -> None:
        def write(conn: Any) -> None:
            store.set_status(conn, name, "Failed", reason)
            store.set_variant_statuses(conn, name, "Failed")

        self.db.run_write(write)

    # -- machines ---------------------------------------------------------------------

    def _machine(self) -> str | None:
        """The machine an endpoint started here belongs to: this one when the backend runs
        its processes here (labstudio/machines.py), none when they are a cluster's."""
        return self.settings.host_id if self.backend.machine_bound else None

    def _elsewhere(self, endpoint: store.Endpoint) -> bool:
        return owned_elsewhere(endpoint.machine, self.settings)

    def _alive(self, endpoint: store.Endpoint) -> bool:
        """Whether the endpoint's runtime lives: this machine's by its process table (the
        backend), another machine's by its heartbeat only (not started yet: alive while it
        may still be preparing its model)."""
        if not self._elsewhere(endpoint):
            return self.backend.is_alive(endpoint)
        now = time.time()
        if endpoint.heartbeat_time is None:
            return now - endpoint.last_modified_time < NEVER_STARTED_AFTER
        return not is_stale(endpoint.heartbeat_time, endpoint.last_modified_time, now, self.settings.heartbeat_limit_seconds)

    def _silence(self, endpoint: store.Endpoint) -> str:
        assert endpoint.machine is not None
        return silence(
            endpoint.machine, endpoint.heartbeat_time, endpoint.last_modified_time, time.time(), self.settings.heartbeat_limit_seconds
        )

    # -- read -----------------------------------------------------------------------

    def get(self, name: str) -> store.Endpoint:
        """The endpoint's row. Raises ``Invalid`` for a malformed name, ``NotFound`` when there is none."""
        self.endpoint_dir(name)
        with self.db.read() as conn:
            endpoint = store.get(conn, name)
        if endpoint is None:
            raise NotFound(f"endpoint {name!r} does not exist")
        return endpoint

    def describe(self, name: str) -> dict[str, Any]:
        """DescribeEndpoint. Raises ``Invalid`` for a malformed name, ``NotFound`` when there is none."""
        endpoint = self.get(name)
        described = describe_endpoint(endpoint, self.endpoint_dir(name), self._active_spec(name))
        spec = endpoint.config.get("async")
        if spec:
            with self.db.read() as conn:
                backlog = async_queue.backlog(conn, name)
            described["EndpointType"] = "Async"
            described["AsyncInferenceConfig"] = async_config.describe(spec)
            described["ApproximateBacklogSize"] = backlog
            described["Metrics"]["ApproximateBacklogSize"] = backlog
        progress = endpoint.config.get("deployment")
        if progress:
            described["LastDeploymentConfig"] = progress.get("DeploymentConfig")
            described["DeploymentProgress"] = {k: progress.get(k) for k in ("Status", "Type", "Plan", "Steps", "Reason", "StartTime", "EndTime")}
            if progress.get("Status") == "InProgress" and described["EndpointStatus"] == "InService":
                described["EndpointStatus"] = "Updating"  # between two steps of the shift
        return described

    def list(self, status: str | None = None) -> dict[str, Any]:
        """ListEndpoints, optionally those in one status. Raises Invalid for a status SageMaker does not have."""
        if status is not None and status not in ENDPOINT_STATUSES:
            raise Invalid(f"'status' must be one of {', '.join(ENDPOINT_STATUSES)}, got {status!r}.", field="status")
        with self.db.read() as conn:
            endpoints = store.list_all(conn, [status] if status else None)
        return {"Endpoints": [summary(e) for e in endpoints]}

    def _active_spec(self, name: str) -> EndpointSpec | None:
        folder = self.endpoint_dir(name)
        for file in ("active.json", "spec.json"):
            try:
                return EndpointSpec.read(folder / file)
            except (OSError, ValueError, TypeError):
                continue
        return None

    def wait(self, name: str, timeout: float | None = None, poll: float = 0.1) -> dict[str, Any]:
        """Until the endpoint is InService or Failed (not Creating/Updating).

        Raises ``NotFound`` when it does not exist (or is deleted meanwhile), ``TimeoutError``
        when it is still Creating/Updating after ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            endpoint = self.get(name)
            if endpoint.status not in ("Creating", "Updating", "Deleting"):
                return self.describe(name)
            if endpoint.status in ("Creating", "Updating") and endpoint.pid and not self._alive(endpoint):
                self.reconcile_one(endpoint)
                continue
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"endpoint {name!r} is still {endpoint.status} after {timeout} s")
            time.sleep(poll)
            poll = min(poll * 1.3, 0.5)

    def logs(self, name: str, tail: int | None = 200) -> str:
        """The last ``tail`` lines of the endpoint's log (all with None). Raises ``NotFound``, ``Invalid`` (name)."""
        endpoint = self.get(name)
        remote = self.backend.log_tail(endpoint, max(65536, (tail or 0) * 400) if tail is not None else 1 << 24)
        if remote is not None:
            lines = remote.splitlines()
            if tail is None:
                return remote.decode(errors="replace")
            return b"\n".join(lines[-tail:]).decode(errors="replace") + ("\n" if lines else "")
        path = self.log_path(name)
        if not path.exists():
            return ""
        with open(path, "rb") as handle:
            if tail is None:
                return handle.read().decode(errors="replace")
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            block = min(size, max(4096, tail * 400))
            while True:
                handle.seek(size - block)
                data = handle.read()
                lines = data.splitlines()
                if len(lines) > tail or block == size:
                    break
                block = min(size, block * 4)
        return b"\n".join(lines[-tail:]).decode(errors="replace") + ("\n" if lines else "")

    def connection(self, name: str) -> tuple[str, str | None, str]:
        """(url, bearer token, status) of an endpoint, for proxies and clients.

        Raises ``NotFound`` when it does not exist, ``Conflict`` when it is not InService/Updating."""
        endpoint = self.get(name)
        if endpoint.status not in ("InService", "Updating") or not endpoint.url:
            reason = f": {endpoint.failure_reason}" if endpoint.failure_reason else ""
            raise Conflict(f"endpoint {name!r} is {endpoint.status}{reason}; it can be invoked once InService")
        spec = self._active_spec(name)
        return endpoint.url, spec.token if spec else None, endpoint.status

    def request_timeout(self, name: str) -> float:
        """How long a client of the endpoint waits: longer than the endpoint's own timeout (and
        the router's), so the endpoint's 504 with its message arrives before the client gives up.
        Raises ``Invalid`` for a malformed name."""
        spec = self._active_spec(name)
        return (spec.timeout if spec is not None else DEFAULT_TIMEOUT) + CLIENT_MARGIN

    def invoke(
        self,
        name: str,
        body: bytes | str,
        content_type: str,
        accept: str | None = None,
        target_variant: str | None = None,
        timeout: float | None = None,
        inference_id: str | None = None,
    ) -> dict[str, Any]:
        """InvokeEndpoint: {"StatusCode", "ContentType", "Body" (bytes), "InvokedProductionVariant"}.
        ``inference_id`` (InvokeEndpoint's InferenceId) is kept with the captured record, which
        Model Monitor's model-quality runs merge ground truth by.

        The model's own errors come back as the StatusCode (4xx/5xx), not raised. Raises
        ``NotFound`` when the endpoint does not exist, ``Conflict`` when it is not InService or
        does not answer."""
        url, token, _ = self.connection(name)
        if timeout is None:
            timeout = self.request_timeout(name)
        host, _, port = url.split("://", 1)[1].partition(":")
        payload = body.encode() if isinstance(body, str) else body
        headers = {"Content-Type": content_type}
        if accept:
            headers["Accept"] = accept
        if target_variant:
            headers[VARIANT_HEADER] = target_variant
        if inference_id:
            headers["X-Amzn-SageMaker-Inference-Id"] = inference_id
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
        try:
            conn.request("POST", "/invocations", body=payload, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except OSError as exc:
            raise Conflict(f"endpoint {name!r} did not answer: {exc}") from None
        finally:
            conn.close()
        return {
            "StatusCode": response.status,
            "ContentType": response.getheader("Content-Type"),
            "Body": data,
            "InvokedProductionVariant": response.getheader(INVOKED_HEADER),
        }

    def invoke_async(self, name: str, request: Mapping[str, Any], *, base_dir: Path | None = None, root_dir: Path | None = None) -> dict[str, str]:
        """InvokeEndpointAsync: queue a request (serving/async_invoke.py); {InferenceId, OutputLocation, FailureLocation}.

        Raises ``NotFound`` when the endpoint does not exist, ``Invalid`` for one that is not
        asynchronous or a bad request, ``Conflict`` for an endpoint being deleted or a used InferenceId."""
        endpoint = self.get(name)
        return async_invoke.invoke_async(
            self.db, endpoint, request, artifact_uri=self.settings.artifact_uri, base_dir=base_dir, roots=self._roots(root_dir)
        )

    def describe_async(self, name: str, inference_id: str) -> dict[str, Any]:
        """One asynchronous request's state. Raises ``NotFound``."""
        self.get(name)
        return async_invoke.describe_invocation(self.db, name, inference_id)

    # -- update ---------------------------------------------------------------------

    def update(
        self,
        name: str,
        request: Mapping[str, Any],
        *,
        wait: bool = False,
        timeout: float | None = None,
        base_dir: Path | None = None,
        root_dir: Path | None = None,
    ) -> dict[str, Any]:
        """UpdateEndpoint: the given variants become the endpoint's set (blue/green).

        Raises ``NotFound`` when the endpoint (or a source) does not exist, ``Conflict`` while
        it is Creating/Updating/Deleting or has no recorded configuration, ``Invalid`` for a
        bad request (the field named), ``TimeoutError`` when ``wait`` runs out of ``timeout``."""
        endpoint = self.get(name)
        if (endpoint.config.get("deployment") or {}).get("Status") == "InProgress":
            if not self._orphaned_deployment(endpoint):
                raise Conflict(f"endpoint {name!r} is being updated (a guarded deployment is shifting its traffic): wait until it ends")
            endpoint = self.get(name)  # its coordinator died half-way: this update sets the variants again
        if endpoint.status in ("Creating", "Updating", "Deleting"):
            raise Conflict(f"endpoint {name!r} is {endpoint.status}: wait until it is InService (or Failed) to update it")
        if self._elsewhere(endpoint) and self._alive(endpoint):
            raise Conflict(
                f"endpoint {name!r} is served by machine {endpoint.machine!r}: update it from that machine "
                "(a machine never restarts or changes another machine's processes)"
            )
        current = self._active_spec(name)
        if current is None:
            raise Conflict(f"endpoint {name!r} has no recorded configuration to update; delete and redeploy it")
        req = parse_update(request, [v.name for v in current.variants])
        if current.async_config is not None and any(v.serverless for v in req.variants):
            raise Invalid("an asynchronous endpoint's variants cannot be serverless", field="ServerlessConfig")
        if req.deployment is not None:
            return self._guarded_update(endpoint, current, req, wait=wait, timeout=timeout, base_dir=base_dir, root_dir=root_dir)
        req.capture = self._capture(req.capture, base_dir, root_dir)
        self.backend.preflight()
        generation = max(current.generation, int(endpoint.config.get("generation", 1))) + 1
        existing = {v.name: v for v in current.variants}
        variants: list[VariantSpec] = []
        for v in req.variants:
            old = existing.get(v.name)
            if v.source is None:
                if old is None:
                    raise Invalid(f"variant {v.name!r} is new: give its model as {v.name}=SOURCE", field="ProductionVariants")
                for given, field_name in ((v.entry_point, "EntryPoint"), (v.source_dir, "SourceDir")):
                    if given:  # not silently ignored: a new script means a new snapshot of the source
                        raise Invalid(f"variant {v.name!r}: to change its {field_name}, give its Source too", field=field_name)
                variants.append(replace(
                    old, weight=v.weight if v.weight is not None else old.weight, instances=v.instances or old.instances,
                    environment=v.environment if v.environment is not None else old.environment,
                    serverless=v.serverless if v.serverless is not None else old.serverless,
                ))
                continue
            src = self._resolve(v.source, base_dir, root_dir)
            self._check_variant(v, src, base_dir, root_dir)
            origin = {"source": v.source, "fingerprint": src.fingerprint, "source_dir": v.source_dir, "entry_point": v.entry_point}
            weight = v.weight if v.weight is not None else (old.weight if old else 1.0)
            instances = v.instances or (old.instances if old else 1)
            environment = v.environment if v.environment is not None else (old.environment if old else {})
            full = VariantRequest(
                name=v.name,
                source=v.source,
                entry_point=v.entry_point,
                source_dir=v.source_dir,
                weight=weight,
                instances=instances,
                environment=environment,
                serverless=v.serverless,
            )
            if old is not None and old.origin == origin and Path(old.model_dir).is_dir():
                variants.append(replace(old, weight=weight, instances=instances, environment=environment, serverless=v.serverless))
            else:
                variants.append(self._prepare_variant(name, generation, full, src, base_dir, root_dir))
        if sum(v.weight for v in variants) <= 0:
            raise Invalid("at least one variant needs a weight above 0", field="ProductionVariants")
        spec = replace(
            current,
            variants=variants,
            generation=generation,
            capture=req.capture if req.capture is not None else current.capture,
            port=endpoint.port or current.port,
            scaling=scaling_spec(endpoint.config.get("scaling") or {}),
        )
        alive = self._alive(endpoint)  # another machine's is silent here (a live one was refused above)
        self.db.run_write(lambda conn: store.merge_config(conn, name, {"generation": generation, "capture": spec.capture.__dict__}))
        if alive and endpoint.status == "InService":
            spec.write(self.endpoint_dir(name) / "spec.json")
            self.db.run_write(lambda conn: store.set_status(conn, name, "Updating", None))
            if not self.backend.update(endpoint):  # its runtime went away meanwhile (or cannot be told): start it afresh
                self.backend.stop(endpoint, grace=5.0)
                self._launch(name, spec, status="Updating")
        else:  # Failed, or its server is gone: start it again (here) with the new variants
            if not self._elsewhere(endpoint):  # a silent machine's processes are not ours to stop
                self.backend.stop(endpoint, grace=5.0)
            self._launch(name, spec, status="Updating")
        if wait:
            return self.wait(name, timeout=timeout)
        return self.describe(name)

    def _guarded_update(
        self, endpoint: store.Endpoint, current: EndpointSpec, req: Any, *, wait: bool, timeout: float | None,
        base_dir: Path | None, root_dir: Path | None,
    ) -> dict[str, Any]:
        """UpdateEndpoint with a DeploymentConfig: checks everything, prepares the new model, then
        hands the traffic shifting to a coordinator process (serving/deployment.py)."""
        name = endpoint.name
        if len(current.variants) != 1:
            raise Invalid(
                f"a guarded update (DeploymentConfig) moves one variant to a new model; endpoint {name!r} has {len(current.variants)} variants",
                field="ProductionVariants",
            )
        old = current.variants[0]
        if len(req.variants) != 1 or not req.variants[0].source:
            raise Invalid(f"give exactly one variant, {old.name!r}, with the new model as its Source", field="ProductionVariants")
        wanted = req.variants[0]
        if wanted.name != old.name:
            raise Invalid(f"the endpoint's variant is {old.name!r}: a guarded update gives its new model under that name", field="VariantName")
        shares = deployment.plan(req.deployment, old.instances)
        auto = req.deployment.AutoRollbackConfiguration
        alarm_names = [a.AlarmName for a in (auto.Alarms or [])] if auto else []
        alarms.require(self.db, alarm_names, name)
        src = self._resolve(wanted.source, base_dir, root_dir)
        self._check_variant(wanted, src, base_dir, root_dir)
        if endpoint.status != "InService" or not self._alive(endpoint) or self._elsewhere(endpoint):
            raise Conflict(f"endpoint {name!r} must be InService, served from this machine, for a guarded update (it is {endpoint.status})")
        self.backend.preflight()
        generation = max(current.generation, int(endpoint.config.get("generation", 1))) + 1
        full = VariantRequest(
            name=deployment.new_variant_name(old.name), source=wanted.source, entry_point=wanted.entry_point, source_dir=wanted.source_dir,
            weight=0.0, instances=wanted.instances or old.instances,
            environment=wanted.environment if wanted.environment is not None else old.environment,
            serverless=wanted.serverless if wanted.serverless is not None else old.serverless,
        )
        new = self._prepare_variant(name, generation, full, src, base_dir, root_dir)
        routing = req.deployment.BlueGreenUpdatePolicy.TrafficRoutingConfiguration
        progress = {
            "Status": "InProgress", "Type": routing.Type, "Plan": shares, "Steps": [], "StartTime": time.time(),
            "DeploymentConfig": req.deployment.model_dump(exclude_none=True), "OldVariant": asdict(old), "NewVariant": asdict(new),
        }

        def begin(conn: Any) -> None:
            store.merge_config(conn, name, {"deployment": progress, "generation": generation})
            store.set_status(conn, name, "Updating", None)

        self.db.run_write(begin)
        from ..procs import spawn_detached

        log_fd = deployment.started_log(self.endpoint_dir(name))
        try:
            spawn_detached("labstudio.serving.deployment", name, env=self.settings.child_env(), stdout=log_fd)
        finally:
            os.close(log_fd)
        if wait:
            return self.wait_deployment(name, timeout)
        return self.describe(name)

    @property
    def autoscaling(self) -> AutoscalingService:
        """Application Auto Scaling's calls on this service's endpoints."""
        return AutoscalingService(self)

    def push_scaling(self, name: str) -> None:
        """Hand the endpoint's registered autoscaling to its supervisor (a spec with no other change:
        no worker restarts). Raises ``Conflict`` for an endpoint with no recorded configuration."""
        endpoint = self.get(name)
        current = self._active_spec(name)
        if current is None:
            raise Conflict(f"endpoint {name!r} has no recorded configuration; delete and redeploy it")
        generation = max(current.generation, int(endpoint.config.get("generation", 1))) + 1
        spec = replace(current, generation=generation, port=endpoint.port or current.port,
                       scaling=scaling_spec(endpoint.config.get("scaling") or {}))
        self.db.run_write(lambda conn: store.merge_config(conn, name, {"generation": generation}))
        spec.write(self.endpoint_dir(name) / "spec.json")
        if endpoint.status in ("InService", "Updating") and not self._elsewhere(endpoint) and self._alive(endpoint):
            self.backend.update(endpoint)

    def _orphaned_deployment(self, endpoint: store.Endpoint) -> bool:
        """A guarded update whose coordinator is gone (its lease ran out) is recorded Failed, the
        endpoint InService with the reason; True when that was the case."""
        progress = endpoint.config.get("deployment") or {}
        if not deployment.coordinator_gone(self.db, endpoint.name, float(progress.get("StartTime") or 0), time.time()):
            return False
        reason = "its coordinator stopped before the update ended (its lease ran out); update the endpoint to set its variants again"
        name = endpoint.name

        def write(conn: Any) -> None:
            store.merge_config(conn, name, {"deployment": {**progress, "Status": "Failed", "Reason": reason, "EndTime": time.time()}})
            if endpoint.status == "Updating":
                store.set_status(conn, name, "InService", f"Update failed: {reason}")

        self.db.run_write(write)
        return True

    def wait_deployment(self, name: str, timeout: float | None = None) -> dict[str, Any]:
        """Until the endpoint's guarded update ended (Completed, RolledBack or Failed); its description.
        Raises ``TimeoutError`` after ``timeout`` seconds, ``NotFound`` when the endpoint is gone."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            endpoint = self.get(name)
            progress = endpoint.config.get("deployment") or {}
            if progress.get("Status") != "InProgress" or self._orphaned_deployment(endpoint):
                return self.describe(name)
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"the update of endpoint {name!r} is still in progress after {timeout} s")
            time.sleep(0.2)

    def apply_variants(self, name: str, variants: builtins.list[VariantSpec], timeout: float | None = None) -> tuple[bool, str | None]:
        """One blue/green step of a guarded update: serve exactly these variants; (True, None) once
        the supervisor applied them, (False, why) when it could not (the new model did not load...)."""
        endpoint = self.get(name)
        current = self._active_spec(name)
        if current is None:
            return False, "the endpoint has no recorded configuration"
        generation = max(current.generation, int(endpoint.config.get("generation", 1))) + 1
        spec = replace(current, variants=variants, generation=generation, port=endpoint.port or current.port,
                       scaling=scaling_spec(endpoint.config.get("scaling") or {}))
        self.db.run_write(lambda conn: store.merge_config(conn, name, {"generation": generation}))
        spec.write(self.endpoint_dir(name) / "spec.json")
        if not self.backend.update(endpoint):
            return False, "the endpoint's server is not running"
        deadline = time.monotonic() + (timeout if timeout is not None else spec.startup_timeout + 30)
        while time.monotonic() < deadline:
            fresh = self.get(name)
            if int(fresh.config.get("applied_generation") or 0) >= generation:
                return True, None
            if int(fresh.config.get("failed_generation") or 0) >= generation:
                return False, fresh.failure_reason
            time.sleep(0.05)
        return False, f"the endpoint did not apply the change within {spec.startup_timeout + 30:g} s"

    # -- delete ---------------------------------------------------------------------

    def delete(self, name: str, timeout: float = 30.0) -> None:
        """DeleteEndpoint: stop its runtime (draining up to ``timeout`` s), then forget it and its files.

        An endpoint another machine serves is deleted by that machine: the request goes
        through the store, and this waits (a little longer than the drain) for the owner to
        carry it out. Raises ``NotFound`` when it does not exist, ``Invalid`` for a malformed name."""
        endpoint = self.get(name)
        if self._elsewhere(endpoint):
            self._delete_elsewhere(endpoint, timeout)
            return
        if endpoint.status != "Deleting":
            self.db.run_write(lambda conn: store.set_status(conn, name, "Deleting", None, keep_reason=True))
        self.backend.stop(endpoint, grace=timeout)
        self._remove(name)

    def _remove(self, name: str) -> None:
        def remove(conn: Any) -> None:
            store.remove(conn, name)
            async_queue.forget(conn, name)  # SageMaker drops a deleted endpoint's queued requests too

        self.db.run_write(remove)
        shutil.rmtree(self.endpoint_dir(name), ignore_errors=True)

    def _delete_elsewhere(self, endpoint: store.Endpoint, timeout: float) -> None:
        """Ask the owning machine to delete the endpoint and wait for it to (its runtime polls
        the request, drains, and removes the row and its folder there). An owner that went
        silent cannot: then only the row goes, nothing of its machine is touched."""
        name = endpoint.name
        now = time.time()
        self.db.run_write(lambda conn: store.request_delete(conn, name, now))
        deadline = time.monotonic() + timeout + DELETE_MARGIN
        current: store.Endpoint | None = endpoint
        while current is not None and time.monotonic() < deadline:
            if not self._alive(current):
                self.db.run_write(lambda conn: store.remove(conn, name))
                return
            time.sleep(0.2)
            with self.db.read() as conn:
                current = store.get(conn, name)

    # -- reconcile ------------------------------------------------------------------

    def reconcile(self) -> builtins.list[str]:  # `list` here is the method above
        """Endpoints whose server died are marked Failed (or restarted); returns the names changed.

        Raises nothing: one endpoint's failure is logged and the others are still checked."""
        self.backend.reap()
        with self.db.read() as conn:
            endpoints = store.list_all(conn, list(LIVE) + ["Deleting"])
        changed = []
        for endpoint in endpoints:
            try:
                if self.reconcile_one(endpoint):
                    changed.append(endpoint.name)
            except Exception:
                log.exception("reconciling endpoint %s failed", endpoint.name)
        return changed

    def reconcile_one(self, endpoint: store.Endpoint) -> bool:
        """Check one endpoint's runtime; True when its row changed. Raises ``NotFound`` if it vanished meanwhile."""
        if self._elsewhere(endpoint):
            return self._reconcile_elsewhere(endpoint)
        if self.backend.is_alive(endpoint):
            return False
        name = endpoint.name
        if endpoint.status == "Deleting":
            self.backend.cleanup_dead(endpoint)
            self._remove(name)
            return True
        if endpoint.pid is None:
            if time.time() - endpoint.last_modified_time < NEVER_STARTED_AFTER:
                return False
            self._set_failed(name, "the endpoint's server was never started (the process that created it stopped); update or redeploy it")
            return True
        fresh = self.get(name)  # it may have changed while we looked
        if fresh.pid != endpoint.pid or fresh.status not in LIVE:
            return False
        self.backend.cleanup_dead(fresh)
        spec = self._active_spec(name)
        if fresh.config.get("restart_on_failure") and spec is not None:
            log.warning("endpoint %s: its server (pid %s) is gone; restarting it", name, endpoint.pid)
            with open(self.log_path(name), "a") as handle:
                handle.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} labstudio: the server (pid {endpoint.pid}) was gone; restarting it\n")
            self._launch(name, replace(spec, port=fresh.port or spec.port), status="Creating")
            return True
        self._set_failed(
            name,
            f"the endpoint's server process (pid {endpoint.pid}) is gone: it was killed or the machine restarted while it was "
            f"{fresh.status}. Update the endpoint to start it again, or delete it (set RestartOnFailure to restart it automatically).",
        )
        return True

    def _reconcile_elsewhere(self, endpoint: store.Endpoint) -> bool:
        """Another machine's endpoint, judged by its heartbeat only: a silent owner's endpoint
        is Failed (a Deleting one removed), with the reason naming the machine. Never stopped,
        cleaned up or restarted from here, RestartOnFailure or not: that is its owner's to do."""
        if self._alive(endpoint):
            return False
        name = endpoint.name
        with self.db.read() as conn:
            fresh = store.get(conn, name)  # it may have beaten (or changed) while we looked
        if fresh is None or not self._elsewhere(fresh) or self._alive(fresh):
            return False
        if fresh.status == "Deleting":
            self.db.run_write(lambda conn: store.remove(conn, name))
            return True
        if fresh.status not in LIVE:
            return False
        if fresh.heartbeat_time is None:
            reason = (
                f"the endpoint's server was never started: machine {fresh.machine!r}, which was creating it, stopped "
                f"(its record was last changed at {stamp(fresh.last_modified_time)}); redeploy it"
            )
        else:
            reason = (
                f"the endpoint's server on {self._silence(fresh)}, while it was {fresh.status}. The machine, or the server "
                "on it, is down or cannot reach the store; this machine leaves its processes alone. Update the endpoint "
                "from its machine, or delete and redeploy it."
            )
        self._set_failed(name, reason)
        return True
