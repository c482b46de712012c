"""Status, metrics and artifacts of one job, written to the store with their events.

The supervisor (and reconciliation in the server) report through this one class, so the
job row, its run and the change feed always move together in one transaction.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from ..lineage import record as lineage_record
from ..store import Database
from ..store import events as events_store
from ..store import hosts as hosts_store
from ..store import jobs as jobs_store
from ..store import runs as runs_store

TERMINAL = ("Completed", "Failed", "Stopped")
RUN_STATUS = {"Completed": "Completed", "Failed": "Failed", "Stopped": "Stopped"}
MAX_EVENT_POINTS = 500


class JobRecorder:
    def __init__(self, db: Database, name: str, run_id: str | None) -> None:
        self.db = db
        self.name = name
        self.run_id = run_id

    def _status_event(self, conn, status: str, secondary: str, message: str) -> None:  # type: ignore[no-untyped-def]
        events_store.append(
            conn, "job.status", {"name": self.name, "status": status, "secondary_status": secondary, "message": message}
        )

    def transitions(
        self,
        steps: Sequence[tuple[str, float, str]],
        *,
        status: str = "InProgress",
        host_row: tuple[str, dict[str, object]] | None = None,
        **fields: object,
    ) -> None:
        """Record secondary-status transitions (status, time, message) and any job fields at once;
        `host_row` (host, columns) updates that host's job_hosts row in the same transaction."""

        def body(conn):  # type: ignore[no-untyped-def]
            job = jobs_store.get_job(conn, self.name, with_transitions=False)
            if job is None or job.is_terminal:
                return
            if host_row is not None:
                hosts_store.update_host(conn, self.name, host_row[0], **host_row[1])
            current = job.status if job.status == "Stopping" and status == "InProgress" else status
            for secondary, at, message in steps:
                jobs_store.add_transition(conn, self.name, secondary, at, message)
            secondary, _, message = steps[-1] if steps else (job.secondary_status, 0.0, job.status_message)
            jobs_store.update_job(conn, self.name, status=current, secondary_status=secondary, status_message=message, **fields)
            self._status_event(conn, current, secondary, message)
            if self.run_id and "training_start_time" in fields:
                runs_store.update_run(conn, self.run_id, start_time=fields["training_start_time"])

        self.db.run_write(body)

    def message(self, message: str) -> None:
        def body(conn):  # type: ignore[no-untyped-def]
            job = jobs_store.get_job(conn, self.name, with_transitions=False)
            if job is None or job.is_terminal:
                return
            jobs_store.update_job(conn, self.name, status_message=message)
            self._status_event(conn, job.status, job.secondary_status, message)

        self.db.run_write(body)

    def metrics(self, points: Sequence[tuple[str, float, int | None, float]]) -> None:
        """(key, value, step, timestamp) points through the store's one write path, plus their event."""
        if not points or not self.run_id:
            return
        from ..store.ingest import write_points  # numpy: only paid by jobs that capture metrics

        def body(conn):  # type: ignore[no-untyped-def]
            count, shown, capped = write_points(conn, self.run_id, points, event_cap=MAX_EVENT_POINTS)
            events_store.append(
                conn,
                "job.metrics",
                {"name": self.name, "run_id": self.run_id, "count": count, "points": shown, "capped": capped},
            )

        self.db.run_write(body)

    def finish(
        self,
        *,
        status: str,
        secondary: str,
        message: str,
        failure_reason: str | None = None,
        exit_code: int | None = None,
        end_time: float | None = None,
        model_artifact: str | None = None,
        output_artifact: str | None = None,
        log_uri: str | None = None,
        extra_transitions: Iterable[tuple[str, float, str]] = (),
    ) -> bool:
        """Move the job to a terminal state once; returns False if it already was terminal."""
        end_time = end_time or time.time()

        def body(conn):  # type: ignore[no-untyped-def]
            job = jobs_store.get_job(conn, self.name, with_transitions=False)
            if job is None or job.is_terminal:
                return False
            for step, at, text in extra_transitions:
                jobs_store.add_transition(conn, self.name, step, at, text)
            jobs_store.add_transition(conn, self.name, secondary, end_time, message)
            jobs_store.close_transitions(conn, self.name, end_time)
            jobs_store.update_job(
                conn,
                self.name,
                status=status,
                secondary_status=secondary,
                status_message=message,
                failure_reason=failure_reason,
                exit_code=exit_code,
                training_end_time=end_time,
                model_artifact=model_artifact,
                output_artifact=output_artifact,
            )
            hosts_store.close_open_hosts(conn, self.name, status=status, end_time=end_time, exit_code=exit_code)
            lineage_record.job_finished(conn, job, status, model_artifact, output_artifact, end_time)
            if self.run_id:
                runs_store.update_run(conn, self.run_id, status=RUN_STATUS.get(status, status), end_time=end_time)
                for art_name, uri, media in (
                    ("SageMaker.ModelArtifact", model_artifact, "application/gzip"),
                    ("SageMaker.OutputData", output_artifact, "application/gzip"),
                    ("SageMaker.Logs", log_uri, "text/plain"),
                ):
                    if uri:
                        runs_store.add_artifact(conn, self.run_id, art_name, uri, is_output=True, media_type=media)
                events_store.append(conn, "run.status", {"run_id": self.run_id, "status": RUN_STATUS.get(status, status)})
            self._status_event(conn, status, secondary, message)
            return True

        return bool(self.db.run_write(body))
