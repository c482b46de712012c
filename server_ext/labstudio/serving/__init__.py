"""Endpoints: SageMaker-compatible model servers run as local processes.

Layout of the package (each module has one job):

- ``codecs``: the default decoders/encoders (JSON, CSV, NPY, NPZ), as the SageMaker toolkit has them;
- ``contract``: loads the user's inference module and runs model_fn/input_fn/predict_fn/output_fn
  (or transform_fn) with SageMaker semantics, mapping failures to HTTP statuses;
- ``worker``: one model-server worker process (tornado; /ping, /invocations);
- ``router``: the weighted proxy in front, only when an endpoint has several variants;
- ``server``: the endpoint's supervisor process (``python -m labstudio.serving.server``) that
  pre-forks workers on a shared socket and performs blue/green swaps;
- ``stats``, ``capture``: per-variant figures and data capture written by workers;
- ``sources``, ``spec``, ``procs``: resolving what to serve, the spec the supervisor reads, pids;
- ``service``: ``EndpointService``, what the REST handlers, the CLI and the SDK call.
"""
