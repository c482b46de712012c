"""IPython magics (``%load_ext labstudio``): %train, %%train, %tune, %process, %transform, %deploy, %register, %pipeline, %jobs, %endpoints, %runs, %logs, %stop.

Thin clients of the core, like the CLI: ``%train`` takes the CLI's options (the parser is
built by ``cli.jobs.add_train_options``) and ``%tune`` those of `labstudio tune`
(``cli.tuning.add_tune_options``), so the two never drift. Mistakes a user can fix
(bad options, unknown job, invalid spec) are one ``UsageError`` line, never a traceback.
Tables come back as pandas DataFrames (rendered as HTML, usable as values).
"""
from __future__ import annotations

import argparse
import hashlib
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import MagicArgumentParser

from .cli.endpoints import add_requirements_option
from .cli.jobs import add_train_options, build_request, follow_logs
from .cli.models import add_register_options, register_kwargs
from .cli.processing import add_process_options
from .cli.processing import build_request as build_processing_request
from .cli.transform import add_transform_options
from .cli.transform import build_request as build_transform_request
from .cli.tuning import add_tune_options, build_tuning_request
from .errors import LabstudioError
from .sdk.frontend import display, in_notebook
from .sdk.session import get_core
from .shapes.common import to_json
from .status import JobStatus


class _Parser(MagicArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"%{self.prog}: {message} (see %{self.prog}?)")

    def parse(self, line: str) -> argparse.Namespace:
        """Split like a shell (quotes removed, as `labstudio train` gets them), then parse."""
        try:
            argv = shlex.split(line)
        except ValueError as exc:  # unbalanced quotes
            raise UsageError(f"%{self.prog}: {exc}") from None
        return self.parse_args(argv)


def _train_parser() -> _Parser:
    parser = _Parser(
        prog="train",
        description=(
            "Run a SageMaker-style training script as a supervised local job (same options as `labstudio train`). "
            "In a notebook a live monitor shows status, metrics, a sparkline, a Stop button and the log tail; "
            "returns the TrainingJob. As a cell magic (%%train [ENTRY_POINT] [options]) the cell's body is the "
            "script (ENTRY_POINT names the file, default train.py; with --source-dir it is written next to that "
            "folder's files). Values like {lr} or $lr are expanded from the notebook's variables."
        ),
    )
    parser.add_argument("entry_point", nargs="?", metavar="ENTRY_POINT", help="the training script (relative to --source-dir if given)")
    add_train_options(parser)
    parser.add_argument("--no-wait", dest="wait", action="store_false", default=True, help="return at once; the monitor keeps updating")
    parser.add_argument("--wait", dest="wait", action="store_true", help="wait for the job to end (default)")
    parser.add_argument("--quiet", action="store_true", help="in a terminal, print no log while waiting")
    return parser


def _tune_parser() -> _Parser:
    parser = _Parser(
        prog="tune",
        description=(
            "Run a hyperparameter tuning job over a SageMaker-style training script (same options as `labstudio tune`): "
            "--max-jobs trials, --max-parallel at a time, each an ordinary training job. In a notebook a live monitor shows "
            "progress, the best objective so far and a chart of the objective per trial; returns the HyperparameterTuner."
        ),
    )
    parser.add_argument("entry_point", metavar="ENTRY_POINT", help="the training script (relative to --source-dir if given)")
    add_tune_options(parser)
    parser.add_argument("--no-wait", dest="wait", action="store_false", default=True, help="return at once; the monitor keeps updating")
    parser.add_argument("--wait", dest="wait", action="store_true", help="wait for the tuning job to end (default)")
    return parser


def _deploy_parser() -> _Parser:
    parser = _Parser(
        prog="deploy",
        description=(
            "Deploy a training job (its model.tar.gz and code), a model archive or a model folder as a local endpoint, "
            "wait until it is InService, and bind a Predictor (JSON in, JSON out) to a variable. SOURCE may also name "
            "an Estimator, TrainingJob or Model variable of the notebook."
        ),
    )
    parser.add_argument("source", metavar="SOURCE", help="job name, model archive (.tar.gz), model folder, or a variable")
    parser.add_argument("--name", help="endpoint name (default: from the source and a timestamp)")
    parser.add_argument("--entry-point", help="inference script (default: the job's entry point)")
    parser.add_argument("--source-dir", help="folder holding the inference script")
    parser.add_argument("--workers", type=int, default=1, help="model server workers (initial instance count)")
    add_requirements_option(parser)
    parser.add_argument("--as", dest="var", default="predictor", metavar="VAR", help="variable to bind the Predictor to (default: predictor)")
    return parser


def _jobs_parser() -> _Parser:
    parser = _Parser(prog="jobs", description="Training jobs, newest first, as a DataFrame.")
    parser.add_argument("--status", choices=[s.value for s in JobStatus])
    parser.add_argument("--name-contains")
    parser.add_argument("--limit", type=int, default=100)
    return parser


def _endpoints_parser() -> _Parser:
    parser = _Parser(prog="endpoints", description="Endpoints as a DataFrame.")
    parser.add_argument("--status", choices=["Creating", "InService", "Updating", "Deleting", "Failed"])
    return parser


def _runs_parser() -> _Parser:
    parser = _Parser(prog="runs", description="Runs (every training job is one) as a DataFrame: params.*, metrics.* (last value), tags.*.")
    parser.add_argument("experiment", nargs="?", metavar="EXPERIMENT", help="experiment name (default: all)")
    parser.add_argument("--filter", "-f", help="e.g. \"metrics.acc > 0.9 and params.lr < 0.01\"")
    parser.add_argument("--order-by", "-o", help="e.g. 'metrics.loss asc'")
    parser.add_argument("--limit", "-n", type=int, default=100, help="at most this many runs (default 100)")
    return parser


def _logs_parser() -> _Parser:
    parser = _Parser(prog="logs", description="Print a training job's log.")
    parser.add_argument("job", metavar="JOB")
    parser.add_argument("--follow", "-f", action="store_true", help="keep printing until the job ends (interrupt to stop following)")
    return parser


def _stop_parser() -> _Parser:
    parser = _Parser(prog="stop", description="Stop a running training job (SIGTERM, then SIGKILL after the grace period).")
    parser.add_argument("job", metavar="JOB")
    return parser


def _process_parser() -> _Parser:
    parser = _Parser(
        prog="process",
        description=(
            "Run a processing script as a supervised local job (same options as `labstudio process`): inputs are "
            "copied in before it starts, outputs copied out after it succeeds. Prints the log and returns the ProcessingJob."
        ),
    )
    parser.add_argument("script", metavar="SCRIPT", help="the processing script (relative to --source-dir if given)")
    add_process_options(parser)
    parser.add_argument("--no-wait", dest="wait", action="store_false", default=True, help="return at once")
    parser.add_argument("--wait", dest="wait", action="store_true", help="wait for the job to end (default)")
    return parser


PARSERS = {
    "train": _train_parser(), "tune": _tune_parser(), "deploy": _deploy_parser(), "jobs": _jobs_parser(), "endpoints": _endpoints_parser(),
    "runs": _runs_parser(), "logs": _logs_parser(), "stop": _stop_parser(),
}
PARSERS["process"] = _process_parser()


def _transform_parser() -> _Parser:
    parser = _Parser(
        prog="transform",
        description=(
            "Batch transform: score a file or folder with a Completed training job's model (or a model archive or folder) "
            "as a supervised local job, with the options of `labstudio transform`. Waits and prints the log by default; "
            "returns the TransformJob."
        ),
    )
    add_transform_options(parser)
    parser.add_argument("--no-wait", dest="wait", action="store_false", default=True, help="return at once")
    parser.add_argument("--wait", dest="wait", action="store_true", help="wait for the job to end (default)")
    return parser


PARSERS["transform"] = _transform_parser()


def _register_parser() -> _Parser:
    parser = _Parser(
        prog="register",
        description=(
            "Register a Completed training job's model (its archive, code snapshot and entry point) as the next version of "
            "a model package group, with the options of `labstudio models register`. JOB may also name an Estimator or "
            "TrainingJob variable of the notebook. Returns the labstudio.model.ModelPackage."
        ),
    )
    add_register_options(parser)
    return parser


PARSERS["register"] = _register_parser()


def _pipeline_parser() -> _Parser:
    parser = _Parser(
        prog="pipeline",
        description=(
            "SageMaker Pipelines, as `labstudio pipelines`: `%pipeline list`, `%pipeline describe NAME`, `%pipeline start NAME "
            "[-p KEY=VALUE ...] [--wait]`, `%pipeline executions NAME`, `%pipeline steps EXECUTION`, `%pipeline stop EXECUTION`. "
            "NAME may be a Pipeline variable of the notebook: `start` then creates or updates it first (upsert). Tables come "
            "back as DataFrames; `start` returns the execution (describe(), list_steps(), wait(), stop())."
        ),
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    sub.required = True
    sub.add_parser("list", help="pipelines with their last execution's status")
    for action, target in (("describe", "NAME"), ("executions", "NAME"), ("steps", "EXECUTION"), ("stop", "EXECUTION")):
        sub.add_parser(action).add_argument("target", metavar=target)
    start = sub.add_parser("start", help="start an execution")
    start.add_argument("target", metavar="NAME")
    start.add_argument("-p", "--parameter", action="append", metavar="KEY=VALUE")
    start.add_argument("--wait", action="store_true", help="print each step's changes until the execution ends")
    return parser


PARSERS["pipeline"] = _pipeline_parser()


def _automl_parser() -> _Parser:
    from .cli.automl import add_create_options

    parser = _Parser(
        prog="automl",
        description=(
            "AutoML (SageMaker Autopilot), as `labstudio automl`: `%automl create DATA --target COLUMN [options] [--wait]` "
            "(returns the labstudio.AutoML bound to the job), `%automl list`, `%automl candidates NAME` (the leaderboard as a "
            "DataFrame), `%automl describe NAME`, `%automl stop NAME`."
        ),
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    sub.required = True
    sub.add_parser("list", help="AutoML jobs")
    for action in ("describe", "candidates", "stop"):
        sub.add_parser(action).add_argument("target", metavar="NAME")
    create = sub.add_parser("create", help="start an AutoML job")
    add_create_options(create)
    return parser


PARSERS["automl"] = _automl_parser()


@contextmanager
def _user_errors(prog: str) -> Iterator[None]:
    """Errors the user can act on become one UsageError line."""
    try:
        yield
    except LabstudioError as exc:
        raise UsageError(f"{prog}: {exc.message}") from None
    except (ValueError, FileNotFoundError) as exc:
        raise UsageError(f"{prog}: {exc}") from None


def _after_submit(prog: str, job: Any, wait: bool) -> Any:
    """%process and %transform once the job is submitted: print its name, or wait printing its
    log; a Failed job is one line on stderr, not a traceback. Returns the SDK's job handle."""
    if not wait:
        print(job.name, flush=True)
        return job
    try:
        job.wait(logs=True)
    except KeyboardInterrupt:
        pass  # wait() said the job goes on and how to stop it
    except ValueError as exc:  # UnexpectedStatusException: the job Failed
        print(f"{prog}: {exc}", file=sys.stderr, flush=True)
    return job


def _cell_source(core: Any, body: str, entry: str, source_dir: str | None) -> tuple[str, str, bool]:
    """Write the cell as the entry point: (source_dir, entry_point, is_temporary)."""
    if Path(entry).name != entry or not entry.endswith(".py"):
        raise ValueError(f"ENTRY_POINT {entry!r} for %%train must be a plain file name ending in .py")
    if source_dir:
        source = Path(source_dir).expanduser().resolve()
        if not source.is_dir():
            raise ValueError(f"--source-dir {source} is not a folder")
        staging = Path(tempfile.mkdtemp(prefix="labstudio-cell-"))
        shutil.copytree(source, staging, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", ".git", ".ipynb_checkpoints"))
        (staging / entry).write_text(body)
        return str(staging), entry, True
    digest = hashlib.sha1(f"{entry}\0{body}".encode()).hexdigest()[:16]
    folder = core.settings.home / "cells" / digest  # kept: it is the job's SourceDir, and identical cells share it
    folder.mkdir(parents=True, exist_ok=True)
    (folder / entry).write_text(body)
    return str(folder), entry, False


@magics_class
class LabstudioMagics(Magics):
    @line_cell_magic
    def train(self, line: str, cell: str | None = None) -> Any:
        from .sdk.exceptions import UnexpectedStatusException
        from .sdk.job import TrainingJob

        args = PARSERS["train"].parse(line)
        prog = "%%train" if cell is not None else "%train"
        if cell is None and not args.entry_point:
            raise UsageError("%train: ENTRY_POINT is required (or use %%train with the script as the cell's body)")
        core = get_core()
        temporary = None
        with _user_errors(prog):
            if cell is not None:
                if not cell.strip():
                    raise ValueError("the cell is empty: its body is the training script")
                source_dir, entry, is_temp = _cell_source(core, cell, args.entry_point or "train.py", args.source_dir)
                args.source_dir, args.entry_point = source_dir, entry
                temporary = source_dir if is_temp else None
            try:
                described = core.jobs.submit(build_request(args), base_dir=Path.cwd())
            finally:
                if temporary:
                    shutil.rmtree(temporary, ignore_errors=True)
        job = TrainingJob(described.TrainingJobName)
        if not args.wait:
            if in_notebook():
                display(job.monitor())
            else:
                print(job.name, flush=True)
            return job
        try:
            job.wait(logs="None" if args.quiet else "All")
        except KeyboardInterrupt:
            pass  # wait() said the job goes on and how to stop it
        except UnexpectedStatusException as exc:
            print(f"{prog}: {exc}", file=sys.stderr, flush=True)
        return job

    @line_magic
    def tune(self, line: str) -> Any:
        from .sdk.tuner import HyperparameterTuner

        args = PARSERS["tune"].parse(line)
        core = get_core()
        with _user_errors("%tune"):
            described = core.tuning.submit(build_tuning_request(args), base_dir=Path.cwd())
            tuner = HyperparameterTuner.attach(described.HyperParameterTuningJobName, job_details=to_json(described))
        job = tuner._require_job()
        if not args.wait:
            if in_notebook():
                display(job.monitor())
            else:
                print(job.name, flush=True)
            return tuner
        try:
            job.wait()
        except KeyboardInterrupt:
            pass  # wait() said the tuning job goes on and how to stop it
        except ValueError as exc:  # UnexpectedStatusException: the tuning job Failed
            print(f"%tune: {exc}", file=sys.stderr, flush=True)
        return tuner

    @line_magic
    def process(self, line: str) -> Any:
        from .sdk.processing import ProcessingJob

        args = PARSERS["process"].parse(line)
        with _user_errors("%process"):
            described = get_core().processing.submit(build_processing_request(args), base_dir=Path.cwd())
        return _after_submit("%process", ProcessingJob(job_name=described.ProcessingJobName), args.wait)

    @line_magic
    def transform(self, line: str) -> Any:
        from .sdk.transformer import TransformJob

        args = PARSERS["transform"].parse(line)
        with _user_errors("%transform"):
            described = get_core().transforms.submit(build_transform_request(args), base_dir=Path.cwd())
        return _after_submit("%transform", TransformJob(described.TransformJobName), args.wait)

    @line_magic
    def deploy(self, line: str) -> None:
        from .sdk.deserializers import JSONDeserializer
        from .sdk.model import deploy_endpoint
        from .sdk.predictor import Predictor
        from .sdk.serializers import JSONSerializer

        args = PARSERS["deploy"].parse(line)
        if not args.var.isidentifier():
            raise UsageError(f"%deploy: --as {args.var!r} is not a valid variable name")
        with _user_errors("%deploy"):
            source = self._source(args.source)
            name = deploy_endpoint(
                None, source, endpoint_name=args.name, entry_point=args.entry_point, source_dir=args.source_dir,
                instance_count=args.workers, environment=None, wait=True, install_requirements=not args.no_requirements,
            )
        predictor = Predictor(name, serializer=JSONSerializer(), deserializer=JSONDeserializer())
        self._user_ns[args.var] = predictor
        url = get_core().endpoints.describe(name).get("EndpointUrl")
        print(f"Endpoint {name} is InService at {url}; `{args.var}` is a Predictor for it (JSON in, JSON out). "
              f"Delete it with {args.var}.delete_endpoint().")

    @line_magic
    def register(self, line: str) -> Any:
        from .sdk.model_package import ModelPackage

        args = PARSERS["register"].parse(line)
        with _user_errors("%register"):
            args.job = self._source(args.job)
            described = get_core().registry.register_job(args.job, args.group, **register_kwargs(args, Path.cwd()))
        name = f"{described['ModelPackageGroupName']}/{described['ModelPackageVersion']}"
        print(f"Registered {args.job} as {name} ({described['ModelApprovalStatus']}): {described['ModelPackageArn']}")
        return ModelPackage(model_package_arn=described["ModelPackageArn"])

    @line_magic
    def pipeline(self, line: str) -> Any:
        import pandas as pd

        from .cli import parse_pairs
        from .cli.pipelines import STEP_HEADERS, execution_summary, follow, step_rows
        from .sdk.workflow.pipeline import Pipeline, PipelineExecution

        args = PARSERS["pipeline"].parse(line)
        core = get_core()
        with _user_errors("%pipeline"):
            if args.action == "list":
                rows = [{"PipelineName": p["PipelineName"], "Created": p["CreationTime"],
                         "LastExecution": (p.get("LastExecution") or {}).get("PipelineExecutionId"),
                         "Status": (p.get("LastExecution") or {}).get("PipelineExecutionStatus")}
                        for p in core.pipelines.list(max_results=1000)["PipelineSummaries"]]
                return pd.DataFrame(rows, columns=["PipelineName", "Created", "LastExecution", "Status"])
            obj = self._user_ns.get(args.target) if args.target.isidentifier() else None
            name = obj.name if isinstance(obj, Pipeline) else args.target
            if args.action == "describe":
                described = core.pipelines.describe(name)
                return pd.DataFrame([{"Step": n["Name"], "Type": n["Type"], "Branch": n.get("Branch"), "Of": n.get("Parent")}
                                     for n in described["Graph"]["Nodes"]])
            if args.action == "executions":
                return pd.DataFrame(core.pipelines.list_executions(name, max_results=1000)["PipelineExecutionSummaries"])
            if args.action == "steps":
                steps = core.pipelines.list_steps(args.target, sort_order="Ascending", max_results=1000)["PipelineExecutionSteps"]
                return pd.DataFrame(step_rows(steps), columns=STEP_HEADERS)
            if args.action == "stop":
                core.pipelines.stop(args.target)
                print(f"Stopping {args.target}: its running steps' jobs are being stopped")
                return None
            if isinstance(obj, Pipeline):
                obj.upsert()
            described = core.pipelines.start(name, parse_pairs(args.parameter, "-p") or None)
        execution = PipelineExecution(described["PipelineExecutionArn"])
        if not args.wait:
            print(f"Started {described['PipelineExecutionId']}; `labstudio pipelines steps {described['PipelineExecutionId']}` lists its steps.")
            return execution
        try:
            final = follow(core, described["PipelineExecutionId"])
        except KeyboardInterrupt:
            print(f"Stopped following {described['PipelineExecutionId']}; it goes on. Stop it with %pipeline stop {described['PipelineExecutionId']}.",
                  file=sys.stderr)
            return execution
        print(execution_summary(final))
        return execution

    @line_magic
    def automl(self, line: str) -> Any:
        import pandas as pd

        from .cli.automl import LEADERBOARD, create_request, follow, leaderboard_rows, summary_line
        from .sdk.automl import AutoML

        args = PARSERS["automl"].parse(line)
        core = get_core()
        with _user_errors("%automl"):
            if args.action == "list":
                return pd.DataFrame(core.automl.list(max_results=1000)["AutoMLJobSummaries"])
            if args.action == "candidates":
                found = core.automl.list_candidates(args.target, sort_by="FinalObjectiveMetricValue", max_results=100)["Candidates"]
                return pd.DataFrame(leaderboard_rows(found), columns=LEADERBOARD)
            if args.action == "describe":
                described = core.automl.describe(args.target)
                print(summary_line(described))
                return described
            if args.action == "stop":
                core.automl.stop(args.target)
                print(f"Stopping {args.target}: its running candidates are being stopped")
                return None
            request = create_request(args)
            core.automl.create(request, base_dir=Path.cwd())
        name = request["AutoMLJobName"]
        if args.wait:
            try:
                print(summary_line(follow(core, name)))
            except KeyboardInterrupt:
                print(f"Stopped following {name}; it goes on. Stop it with %automl stop {name}.", file=sys.stderr)
        else:
            print(f"Started {name}; `%automl candidates {name}` shows its leaderboard.")
        return AutoML.attach(name)

    @property
    def _user_ns(self) -> dict[str, Any]:
        """The notebook's variables (IPython only registers magics on a live shell)."""
        if self.shell is None:
            raise UsageError("labstudio magics need an IPython shell: %load_ext labstudio in one")
        return self.shell.user_ns

    def _source(self, value: str) -> str:
        """A variable naming an Estimator / TrainingJob / Model, else the text itself."""
        obj = self._user_ns.get(value) if value.isidentifier() else None
        if obj is None:
            return value
        latest = getattr(obj, "latest_training_job", None)
        if latest is not None:
            return str(latest.name)
        if type(obj).__name__ == "TrainingJob":
            return str(obj.name)
        if isinstance(getattr(obj, "model_data", None), str) and hasattr(obj, "deploy"):
            return str(obj.model_data)
        if isinstance(obj, str):
            return obj
        return value

    @line_magic
    def jobs(self, line: str) -> Any:
        import pandas as pd

        from .cli.jobs import _duration

        args = PARSERS["jobs"].parse(line)
        with _user_errors("%jobs"):
            jobs = to_json(get_core().jobs.list(status=args.status, name_contains=args.name_contains, limit=args.limit))["TrainingJobSummaries"]
        columns = ["name", "status", "secondary_status", "created", "duration", "experiment", "failure_reason"]
        rows = [
            [j["TrainingJobName"], j["TrainingJobStatus"], j["SecondaryStatus"], pd.Timestamp(j["CreationTime"]), _duration(j),
             j["ExperimentName"], j["FailureReason"] or ""]
            for j in jobs
        ]
        if not rows:
            print("No training jobs yet. Start one with %train script.py")
        return pd.DataFrame(rows, columns=columns)

    @line_magic
    def endpoints(self, line: str) -> Any:
        import pandas as pd

        args = PARSERS["endpoints"].parse(line)
        with _user_errors("%endpoints"):
            endpoints = get_core().endpoints.list(status=args.status)["Endpoints"]
        rows = [
            [e["EndpointName"], e["EndpointStatus"], e["EndpointUrl"] or "", ", ".join(e["VariantNames"]),
             pd.Timestamp(e["CreationTime"]) if e["CreationTime"] else pd.NaT, e.get("FailureReason") or ""]
            for e in endpoints
        ]
        if not rows:
            print("No endpoints. Deploy one with %deploy JOB")
        return pd.DataFrame(rows, columns=["name", "status", "url", "variants", "created", "failure_reason"])

    @line_magic
    def runs(self, line: str) -> Any:
        from .tracking.analytics import search_runs

        args = PARSERS["runs"].parse(line)
        with _user_errors("%runs"):
            return search_runs(args.experiment, filter=args.filter, order_by=args.order_by, max_results=args.limit, db=get_core().db)

    @line_magic
    def logs(self, line: str) -> None:
        args = PARSERS["logs"].parse(line)
        core = get_core()
        with _user_errors("%logs"):
            if args.follow:
                try:
                    follow_logs(core, args.job)
                except KeyboardInterrupt:
                    print(f"\n(stopped following; job {args.job} is not affected)", file=sys.stderr)
                return
            offset = 0
            while True:
                chunk = core.jobs.logs(args.job, offset)
                sys.stdout.write(chunk.text)
                if not chunk.text:
                    break
                offset = chunk.next_offset
            sys.stdout.flush()

    @line_magic
    def stop(self, line: str) -> None:
        args = PARSERS["stop"].parse(line)
        with _user_errors("%stop"):
            described = get_core().jobs.stop(args.job)
        print(f"{described.TrainingJobName}: {described.TrainingJobStatus}")


def _document() -> None:
    """`%train?` shows the full option list: each magic's docstring is its parser's help."""
    for name, parser in PARSERS.items():
        getattr(LabstudioMagics, name).__doc__ = parser.format_help()


_document()


def load_ipython_extension(ipython: Any) -> None:
    ipython.register_magics(LabstudioMagics)


def unload_ipython_extension(ipython: Any) -> None:
    """Nothing to release: monitors are daemon threads that end with their jobs."""
