"""Entry point of an endpoint's supervisor: ``python -m labstudio.serving.server``.

``--endpoint-dir DIR [--listen-fd N]`` serves the endpoint whose ``spec.json`` the service
wrote (the local endpoint backend starts it so, with the public socket already bound);
``--model-dir DIR`` serves a model folder standalone (SageMaker's ``serve``, no store).
The supervisor itself lives in ``serving.runtime``; this module only reads arguments.
"""
from __future__ import annotations

import argparse
import errno
import logging
import os
import socket
import sys
from pathlib import Path

from ..procs import bind_listener
from .runtime.reporter import Reporter
from .runtime.supervisor import Supervisor
from .spec import EndpointSpec, VariantSpec


def _standalone_spec(args: argparse.Namespace) -> EndpointSpec:
    variant = VariantSpec(
        name=args.variant,
        model_dir=str(Path(args.model_dir).resolve()),
        source_dir=str(Path(args.source_dir).resolve()) if args.source_dir else None,
        entry_point=args.entry_point,
        instances=args.workers,
        model_data=str(args.model_dir),
    )
    return EndpointSpec(
        name=args.name,
        variants=[variant],
        host=args.host,
        port=args.port,
        token=args.token,
        timeout=float(os.environ.get("SAGEMAKER_MODEL_SERVER_TIMEOUT", args.timeout)),
        default_accept=os.environ.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "application/json"),
        report_to_store=False,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m labstudio.serving.server", description="Serve a model with the SageMaker inference contract.")
    parser.add_argument("--endpoint-dir", help="folder holding spec.json (written by the endpoint service)")
    parser.add_argument("--listen-fd", type=int, help="an already bound listening socket to serve on")
    parser.add_argument("--model-dir", help="standalone: the model folder")
    parser.add_argument("--source-dir")
    parser.add_argument("--entry-point")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("SAGEMAKER_MODEL_SERVER_WORKERS", "1")))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--token")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--name", default="standalone")
    parser.add_argument("--variant", default="AllTraffic")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s [supervisor pid {os.getpid()}] %(levelname)s %(message)s", stream=sys.stderr)
    endpoint_dir = Path(args.endpoint_dir).resolve() if args.endpoint_dir else None
    spec_path = endpoint_dir / "spec.json" if endpoint_dir else None
    if spec_path is not None:
        spec = EndpointSpec.read(spec_path)
    elif args.model_dir:
        spec = _standalone_spec(args)
    else:
        parser.error("give --endpoint-dir, or --model-dir to serve a model folder")
    os.environ.setdefault("LABSTUDIO_SQLITE_NULLPOOL", "1")  # no pooled connection crosses a fork
    if args.listen_fd is not None:
        public = socket.socket(fileno=args.listen_fd)
        public.setblocking(False)
    else:
        try:
            public = bind_listener(spec.host, spec.port)
        except OSError as exc:
            reason = f"port {spec.port} on {spec.host} is already in use" if exc.errno == errno.EADDRINUSE else f"cannot listen on {spec.host}:{spec.port}: {exc}"
            Reporter(spec, endpoint_dir).failed(reason)
            print(reason, file=sys.stderr)
            return 2
    print(f"serving {spec.name} on http://{spec.host}:{public.getsockname()[1]}", file=sys.stderr, flush=True)
    return Supervisor(spec, public, endpoint_dir, spec_path).run()


if __name__ == "__main__":
    sys.exit(main())
