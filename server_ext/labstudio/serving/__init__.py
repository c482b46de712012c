"""Endpoints: SageMaker-compatible model servers run as local processes.

Layout of the package (each module has one job):

- ``codecs``: the default decoders/encoders (JSON, CSV, NPY, NPZ), as the SageMaker toolkit has them;
- ``contract``: loads the user's inference module and runs model_fn/input_fn/predict_fn/output_fn
  (or transform_fn) with SageMaker semantics, mapping failures to HTTP statuses;
- ``runtime``: what runs inside an endpoint: its supervisor (pre-forks workers on a shared
  socket, performs blue/green swaps), the workers, the weighted router, the control channel;
- ``server``: the supervisor's entry point (``python -m labstudio.serving.server``);
- ``backends``: where an endpoint's runtime runs (``local``: detached processes on this
  machine), chosen by the ``LABSTUDIO_ENDPOINT_BACKEND`` setting;
- ``stats``, ``capture``: per-variant figures and data capture written by workers;
- ``sources``, ``spec``, ``headers``: resolving what to serve, the spec the supervisor reads, header names;
- ``service``: ``EndpointService``, what the REST handlers, the CLI and the SDK call.
"""
