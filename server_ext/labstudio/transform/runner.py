"""`python -m labstudio.transform.runner JOB_DIR`: the process a transform job's supervisor runs.

It serves the model with the endpoints' handler contract (`serving.contract.Handlers`: the
user's model_fn/input_fn/predict_fn/output_fn or transform_fn, or the default handlers) and
feeds it the input's records. The handlers are called in this process (one transform) or in
worker processes forked from it (max_concurrent_transforms > 1), never through HTTP: a
payload costs one function call instead of a request, so one worker keeps up with a plain
pandas script, and every worker is a child of this process, inside the job's process group
and namespace, so stop, kill and reconcile treat it as any job's process.

Progress (records done and total) is written to ``progress.json`` in the job's folder, which
describe reads; a failing record writes ``opt/ml/output/failure`` naming its file and line,
which the supervisor turns into the job's FailureReason.
"""
from __future__ import annotations

import gzip
import json
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import IO, Any

from .. import safe_write
from ..diskfull import full_message, is_disk_full, reason_of
from ..errors import DiskFull, Invalid
from . import dataproc, jsonpath
from .files import CONFIG_FILE, PROGRESS_FILE
from .records import Batch, Chunk, Record, RecordError, batches, count_records, line_chunks, split_records

PROGRESS_INTERVAL = 0.5  # seconds between progress writes
KEEP_BYTES = 512 * 1024 * 1024  # input read for the count and kept for the transform, at most


class RecordFailed(Exception):
    """A record the model (or the data processing) could not handle: file, line and why."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}, line {line}: {message}")
        self.path = path
        self.line = line
        self.message = message


# -- the model, in this process or in a worker ------------------------------------

_HANDLERS: Any = None


def load_handlers(config: dict[str, Any]) -> Any:
    from ..container_libs import add_to_sys_path
    from ..serving.contract import Handlers, apply_env, model_env, resolve_module

    add_to_sys_path()  # sagemaker_inference & co. for the inference script, as on an endpoint
    model_dir, code_dir, entry = config["model_dir"], config.get("code_dir"), config.get("entry_point")
    apply_env(model_env(model_dir, code_dir, resolve_module(code_dir, entry, model_dir)))
    return Handlers(model_dir, source_dir=code_dir, entry_point=entry, default_accept=config["accept"])


def _init_worker(config: dict[str, Any]) -> None:
    global _HANDLERS
    _HANDLERS = load_handlers(config)


def _invoke(body: bytes, content_type: str | None, accept: str) -> tuple[bool, bytes | str]:
    """One payload through the handlers: (True, answer) or (False, the error's message)."""
    from ..serving.contract import InvocationError

    try:
        answer, _ = _HANDLERS.invoke(body, content_type, accept)
        return True, answer
    except InvocationError as exc:
        return False, f"the model answered {exc.status_code}: {exc.message}"


# -- progress ----------------------------------------------------------------------


class Progress:
    def __init__(self, job_dir: Path, total: int) -> None:
        self.path = job_dir / PROGRESS_FILE
        self.total = total
        self.done = 0
        self.started = time.time()
        self._last = 0.0
        self.write(force=True)

    def add(self, count: int) -> None:
        self.done += count
        self.write()

    def write(self, force: bool = False) -> None:
        now = time.time()
        if not force and now - self._last < PROGRESS_INTERVAL:
            return
        self._last = now
        tmp = self.path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps({"RecordsProcessed": self.done, "RecordsTotal": self.total, "Started": self.started, "Updated": now}))
        except OSError as exc:  # the job's folder, not the outputs, is out of space: say which
            if is_disk_full(exc):
                raise DiskFull(full_message("the job's progress", tmp)) from exc
            raise
        os.replace(tmp, self.path)


# -- one input file ------------------------------------------------------------------


def read_input(path: Path, compression: str) -> bytes:
    """The file's bytes. A file is read whole: payloads are cut from it without copying lines."""
    if compression == "Gzip":
        with gzip.open(path, "rb") as handle:
            return handle.read()
    return path.read_bytes()


class Work:
    """Payloads of one file, with what is needed to finish their output."""

    def __init__(self, config: dict[str, Any], processing: dataproc.Processing) -> None:
        self.config = config
        self.processing = processing
        self.split_type: str = config["split_type"]
        self.strategy: str = config["strategy"]
        self.max_bytes = int(config["max_payload_mb"]) * 1024 * 1024
        self.fmt = processing.fmt

    def payloads(self, data: bytes) -> Iterator[tuple[Chunk | Batch, tuple[bytes, ...]]]:
        """(payload, original input records when the output needs them per record)."""
        plain = self.processing.input_filter.is_identity and not self.processing.per_record_output
        if plain and self.split_type == "Line" and self.strategy == "MultiRecord":
            for item in line_chunks(data, self.max_bytes):
                yield item, ()
            return
        records: Iterator[Record] = split_records(data, self.split_type)
        if not self.processing.input_filter.is_identity:
            records = self._filtered(records)
        keep = self.processing.per_record_output
        originals: dict[int, bytes] = {}
        if keep:
            records = self._remember(records, originals)
        for batch in batches(records, split_type=self.split_type, strategy=self.strategy, max_payload_bytes=self.max_bytes):
            yield batch, tuple(originals.pop(r.line) for r in batch.records) if keep else ()

    def _filtered(self, records: Iterator[Record]) -> Iterator[Record]:
        assert self.fmt is not None
        path, fmt = self.processing.input_filter, self.fmt
        for record in records:
            try:
                yield Record(dataproc.filter_input(record.data, path, fmt), record.line, record.data)
            except (dataproc.ProcessingError, UnicodeDecodeError) as exc:
                raise RecordError(str(exc), record.line) from None

    @staticmethod
    def _remember(records: Iterator[Record], originals: dict[int, bytes]) -> Iterator[Record]:
        for record in records:
            originals[record.line] = record.original if record.original is not None else record.data
            yield record

    def finish(self, answer: bytes, originals: tuple[bytes, ...]) -> bytes:
        if self.processing.per_record_output:
            lines = self.processing.finish_records(originals, answer)
            return dataproc.assemble(lines, self.config["assemble_with"])
        return dataproc.assemble([answer], self.config["assemble_with"])


# -- the run ------------------------------------------------------------------------


class Runner:
    def __init__(self, job_dir: Path) -> None:
        self.job_dir = job_dir
        self.config: dict[str, Any] = json.loads((job_dir / CONFIG_FILE).read_text())
        c = self.config
        self.processing = dataproc.Processing(
            content_type=c.get("content_type") or "",
            accept=c["accept"],
            input_filter=jsonpath.parse(c["input_filter"]),
            output_filter=jsonpath.parse(c["output_filter"]),
            join_source=c["join_source"],
        )
        self.input_root = Path(c["input_path"])
        self.output_root = Path(c["output_path"])
        # output_path was resolved at submit: a link anywhere in it now is refused (safe_write.py).
        # The staging folder of an s3:// output is the job's own (its home may be reached through a link).
        self.exact_output = True
        self.workers = int(c["max_concurrent"])
        self.pool: ProcessPoolExecutor | None = None
        self._read: dict[Path, bytes] = {}

    def files(self) -> list[Path]:
        from .files import input_files

        return input_files(self.input_root)

    def output_for(self, path: Path) -> Path:
        rel = path.name if self.input_root.is_file() else str(path.relative_to(self.input_root))
        return self.output_root / f"{rel}.out"

    def shown(self, path: Path) -> str:
        return path.name if self.input_root.is_file() else str(path.relative_to(self.input_root))

    def _stage_remote(self) -> None:
        """An s3:// input is copied into the job's folder first (progress in the log); with an
        s3:// output_path the .out files are written in the job's folder, then uploaded."""
        from ..remote_storage import download, is_object, is_remote

        def log(line: str) -> None:
            print(line, flush=True)

        source = self.config["input_path"]
        if is_remote(source):
            local = self.job_dir / "remote-input"
            paths = download(source, local, log, field="input")
            self.input_root = Path(paths[0]) if is_object(source) else local
        if is_remote(self.config["output_path"]):
            self.output_root = self.job_dir / "remote-output"
            self.exact_output = False

    def _upload_remote(self) -> None:
        from ..remote_storage import is_remote, upload

        if is_remote(self.config["output_path"]) and self.output_root.is_dir():
            upload(self.output_root, self.config["output_path"], lambda line: print(line, flush=True), field="output_path")

    def run(self) -> int:
        self._stage_remote()
        files = self.files()
        print(f"labstudio transform: {len(files)} input file(s) under {self.input_root}", flush=True)
        total = 0
        kept = 0
        for path in files:
            data = read_input(path, self.config["compression_type"])
            try:
                total += count_records(data, self.config["split_type"])
            except RecordError as exc:
                raise RecordFailed(self.shown(path), exc.line, str(exc)) from None
            if kept + len(data) <= KEEP_BYTES:  # read once: the transform reuses what the count read
                self._read[path] = data
                kept += len(data)
        progress = Progress(self.job_dir, total)
        print(f"labstudio transform: {total} record(s); {self.workers} concurrent transform(s), "
              f"{self.config['strategy']}, payloads up to {self.config['max_payload_mb']} MB", flush=True)
        started = time.time()
        # The model is loaded here, once: worker processes are forked from this one and share
        # it (copy-on-write), so N transforms cost one load, and a model that cannot load
        # fails the job with the handler contract's own message.
        _init_worker(self.config)
        print(f"labstudio transform: model loaded in {time.time() - started:.2f} s", flush=True)
        if self.workers > 1:
            import multiprocessing

            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"))
        progress.started = time.time()
        try:
            os.close(self.output_folder(""))  # a destination that cannot be written fails the job before any record
            for path in files:
                self.transform_file(path, progress)
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)
        progress.write(force=True)
        elapsed = time.time() - progress.started
        rate = progress.done / elapsed if elapsed > 0 else 0.0
        print(f"labstudio transform: {progress.done} record(s) in {elapsed:.2f} s ({rate:,.0f} records/s)", flush=True)
        self._upload_remote()
        return 0

    def output_folder(self, relative: str) -> int:
        """A descriptor of `relative` under the output folder, opened again for each file without
        following links (created if missing): a folder swapped for a link while the job runs
        fails the job instead of taking its outputs elsewhere."""
        root = safe_write.open_dir(self.output_root, exact=self.exact_output)
        if not relative:
            return root
        try:
            return safe_write.open_dir(relative, below=root, shown_in=str(self.output_root))
        finally:
            os.close(root)

    def transform_file(self, path: Path, progress: Progress) -> None:
        target = self.output_for(path)
        parent, _, name = str(target.relative_to(self.output_root)).rpartition("/")
        try:
            folder = self.output_folder(parent)
            try:
                with safe_write.creating(folder, name) as out:
                    self._transform_into(out, path, progress)
            finally:
                os.close(folder)
        except OSError as exc:
            if is_disk_full(exc) and not isinstance(exc, DiskFull):
                raise DiskFull(full_message("an output file", target)) from exc
            raise

    def _transform_into(self, out: IO[bytes], path: Path, progress: Progress) -> None:
        work = Work(self.config, self.processing)
        content_type, accept = self.config.get("content_type"), self.config["accept"]
        data = self._read.pop(path, None)
        if data is None:
            data = read_input(path, self.config["compression_type"])
        shown = self.shown(path)
        pending: deque[tuple[Chunk | Batch, tuple[bytes, ...], Future[tuple[bool, bytes | str]] | None]] = deque()
        window = 2 * self.workers

        def settle(item: Chunk | Batch, originals: tuple[bytes, ...], result: tuple[bool, bytes | str]) -> None:
            ok, answer = result
            if not ok:
                self.locate_failure(shown, item, work, str(answer))
            assert isinstance(answer, bytes)
            try:
                out.write(work.finish(answer, originals))
            except (dataproc.ProcessingError, UnicodeDecodeError) as exc:
                self.locate_failure(shown, item, work, str(exc), originals)
            progress.add(item.count if isinstance(item, Chunk) else len(item))

        try:
            for item, originals in work.payloads(data):
                if self.pool is None:
                    settle(item, originals, _invoke(item.body, content_type, accept))
                    continue
                pending.append((item, originals, self.pool.submit(_invoke, item.body, content_type, accept)))
                while len(pending) >= window:
                    first, first_originals, future = pending.popleft()
                    assert future is not None
                    settle(first, first_originals, future.result())
            while pending:
                first, first_originals, future = pending.popleft()
                assert future is not None
                settle(first, first_originals, future.result())
        except RecordError as exc:
            raise RecordFailed(shown, exc.line, str(exc)) from None

    def locate_failure(self, shown: str, item: Chunk | Batch, work: Work, message: str, originals: tuple[bytes, ...] = ()) -> None:
        """Raise RecordFailed for the first record of a failed payload that fails alone.

        A MultiRecord payload holds many records; the model's error (or a filter or join
        that does not fit its answer) says nothing of which one. Each is retried alone, in
        order, through the model and the output processing, so the failure names the right line.
        """
        if isinstance(item, Chunk):
            records = [Record(r.data, r.line + item.first_line - 1) for r in split_records(item.body, "Line")]
        else:
            records = list(item.records)
        if len(records) > 1:
            content_type, accept = self.config.get("content_type"), self.config["accept"]
            for index, record in enumerate(records):
                ok, answer = self._call(record.data, content_type, accept)
                if not ok:
                    raise RecordFailed(shown, record.line, str(answer))
                try:
                    work.finish(answer, originals[index : index + 1] if originals else ())  # type: ignore[arg-type]
                except (dataproc.ProcessingError, UnicodeDecodeError) as exc:
                    raise RecordFailed(shown, record.line, str(exc)) from None
        raise RecordFailed(shown, records[0].line if records else 1, message)

    def _call(self, body: bytes, content_type: str | None, accept: str) -> tuple[bool, bytes | str]:
        if self.pool is None:
            return _invoke(body, content_type, accept)
        return self.pool.submit(_invoke, body, content_type, accept).result()


def write_failure(job_dir: Path, reason: str) -> None:
    """The reason for the supervisor; on a full disk it reads the same line from the log's tail."""
    failure = job_dir / "opt" / "ml" / "output" / "failure"
    try:
        failure.parent.mkdir(parents=True, exist_ok=True)
        failure.write_text(reason)
    except OSError:
        if failure.exists() and not failure.stat().st_size:
            failure.unlink()  # an empty failure file would hide the reason in the log


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m labstudio.transform.runner JOB_DIR", file=sys.stderr)
        return 2
    job_dir = Path(argv[0])
    try:
        return Runner(job_dir).run()
    except BrokenProcessPool:
        reason = "ModelError: a transform worker process died (it may have run out of memory); see the job's log"
        print(f"labstudio transform: {reason}", file=sys.stderr, flush=True)
        write_failure(job_dir, reason)
        return 1
    except RecordFailed as exc:
        reason = f"ClientError: record failed in {exc.path}, line {exc.line}: {exc.message}"
        print(f"labstudio transform: {reason}", file=sys.stderr, flush=True)
        write_failure(job_dir, reason)
        return 1
    except Invalid as exc:  # an s3:// input or output that could not be copied (remote_storage.py)
        reason = f"ClientError: {exc.message}"[:1024]
        print(f"labstudio transform: {reason}", file=sys.stderr, flush=True)
        write_failure(job_dir, reason)
        return 1
    except safe_write.LinkRefused as exc:  # the output folder became a link while the job ran: nothing written through it
        reason = f"ClientError: output_path: {exc}"[:1024]
        print(f"labstudio transform: {reason}", file=sys.stderr, flush=True)
        write_failure(job_dir, reason)
        return 1
    except OSError as exc:
        if not is_disk_full(exc):
            raise
        reason = reason_of(exc, "the transform's files", exc.filename or job_dir)[:1024]
        print(f"labstudio transform: {reason}", file=sys.stderr, flush=True)
        write_failure(job_dir, reason)
        return 1
    except Exception as exc:
        import traceback

        from ..serving.contract import ModelLoadError

        traceback.print_exc()
        kind = "ModelError: the model could not be loaded" if isinstance(exc, ModelLoadError) else "AlgorithmError"
        write_failure(job_dir, f"{kind}: {type(exc).__name__}: {exc}"[:1024])
        return 1


if __name__ == "__main__":
    status = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is written and closed: skip the interpreter's teardown of the model and its
    # libraries (a second or so for a big model), which the job's end would otherwise wait for.
    os._exit(status)
