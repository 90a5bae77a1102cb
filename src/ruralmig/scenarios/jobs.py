"""An engine-agnostic job queue: long work runs in worker processes (or on Dask), with progress and cancel.

The server process holds the workspace (a DuckDB file admits one process), so a job is prepared there (inputs
read), run elsewhere (a spawned process, or a Dask worker when a scheduler address is set) and its result is
written back by the server. Progress (done, total) flows back through a multiprocessing queue. Cancelling a
running job terminates its process. Job state is kept in memory and persisted in the `jobs` table.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from ruralmig.scenarios.sql import execute, insert_rows, rows
from ruralmig.scenarios.tasks import KINDS, PreparedTask, prepare_task, run_task, store_result
from ruralmig.workspace import Workspace

__all__ = ["TERMINAL", "Job", "JobHost", "JobManager"]

TERMINAL = ("done", "failed", "cancelled")
logger = logging.getLogger("ruralmig.jobs")
_PERSIST_EVERY = 1.0  # seconds between progress writes to the jobs table


class JobHost(Protocol):
    """What the manager needs from its owner: the open workspace, its lock and a hook after writes."""

    workspace: Workspace
    lock: threading.RLock

    def changed(self) -> None: ...


@dataclass
class Job:
    job_id: str
    kind: str
    status: str
    parameters: dict[str, Any]
    submitted_by: str | None
    created_at: datetime
    updated_at: datetime
    progress: float = 0.0
    message: str | None = None
    run_id: str | None = None
    cancel_requested: bool = field(default=False, repr=False)

    def public(self) -> dict[str, Any]:
        shown = asdict(self)
        shown.pop("cancel_requested")
        shown["created_at"] = self.created_at.isoformat()
        shown["updated_at"] = self.updated_at.isoformat()
        return shown


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _worker_main(kind: str, payload: dict[str, Any], channel: Any) -> None:
    """Entry point of a worker process: run the task, sending progress and then the result or the error."""
    last = [-1]

    def progress(done: int, total: int) -> None:
        percent = int(100 * done / max(total, 1))
        if percent != last[0]:
            last[0] = percent
            channel.put(("progress", done, total))

    try:
        channel.put(("result", run_task(kind, payload, progress)))
    except BaseException as error:  # reported to the server, which marks the job failed
        channel.put(("error", f"{type(error).__name__}: {error}"))


class JobManager:
    """Queue, run, follow and cancel jobs; `workers` run at once (1 or 2 on a laptop)."""

    def __init__(self, host: JobHost, *, workers: int = 2, dask_address: str | None = None) -> None:
        self.host = host
        self.dask_address = dask_address
        self.jobs: dict[str, Job] = {}
        self._tasks: dict[str, PreparedTask] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=max(1, min(workers, 8)), thread_name_prefix="ruralmig-job")
        self._context = multiprocessing.get_context("spawn")
        self._closed = False
        self._mark_orphans()

    # ---- persistence -------------------------------------------------------------------------------------
    def _mark_orphans(self) -> None:
        """Jobs left queued or running by a server that stopped can no longer finish."""
        store = self.host.workspace.store
        with self.host.lock:
            execute(
                store,
                f"UPDATE {store.qualified('jobs')} SET status = ?, message = ?, updated_at = ? WHERE status IN (?, ?)",
                ["failed", "the server stopped before the job finished", _now(), "queued", "running"],
            )

    def _insert(self, job: Job) -> None:
        record = {k: v for k, v in asdict(job).items() if k != "cancel_requested"}
        with self.host.lock:
            insert_rows(self.host.workspace.store, "jobs", [record])

    def _persist(self, job: Job) -> None:
        store = self.host.workspace.store
        with self.host.lock:
            execute(
                store,
                f"UPDATE {store.qualified('jobs')} SET status = ?, progress = ?, message = ?, run_id = ?, "
                "updated_at = ? WHERE job_id = ?",
                [job.status, job.progress, job.message, job.run_id, job.updated_at, job.job_id],
            )

    def _update(self, job: Job, *, persist: bool = True, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(job, name, value)
            job.updated_at = _now()
        if persist:
            self._persist(job)

    # ---- public API --------------------------------------------------------------------------------------
    def submit(self, kind: str, parameters: Mapping[str, Any], *, submitted_by: str | None = None) -> Job:
        """Check and prepare the job now (raises InputError on bad parameters), then queue it."""
        if self._closed:
            raise RuntimeError("the job manager is shut down")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
        with self.host.lock:
            task = prepare_task(self.host.workspace, kind, parameters)
        now = _now()
        job = Job(uuid.uuid4().hex[:16], kind, "queued", task.parameters, submitted_by, now, now, 0.0, "queued")
        self._insert(job)
        with self._lock:
            self.jobs[job.job_id] = job
            self._tasks[job.job_id] = task
        self._pool.submit(self._run, job.job_id)
        return job

    def get(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            job = self.jobs.get(job_id)
            if job is not None:
                return job.public()
        store = self.host.workspace.store
        with self.host.lock:
            found = rows(
                store,
                "SELECT job_id, kind, status, progress, message, run_id, submitted_by, created_at, updated_at "
                f"FROM {store.qualified('jobs')} WHERE job_id = ?",
                [job_id],
            )
        if not found:
            return None
        record = found[0]
        record["created_at"] = record["created_at"].isoformat()
        record["updated_at"] = record["updated_at"].isoformat()
        return record

    def list(self, limit: int = 200) -> list[dict[str, Any]]:
        store = self.host.workspace.store
        with self.host.lock:
            found = rows(
                store,
                f"SELECT job_id FROM {store.qualified('jobs')} ORDER BY created_at DESC, job_id LIMIT ?",
                [limit],
            )
        return [job for job in (self.get(r["job_id"]) for r in found) if job is not None]

    def cancel(self, job_id: str) -> dict[str, Any] | None:
        """Cancel a queued or running job (a running one's process is terminated); None if unknown."""
        with self._lock:
            job = self.jobs.get(job_id)
        if job is None:
            return self.get(job_id)
        if job.status not in TERMINAL:
            job.cancel_requested = True
            self._update(job, status="cancelled", message="cancelled")
        return job.public()

    def wait(self, job_id: str, timeout: float = 60.0) -> dict[str, Any] | None:
        """Block until the job ends (for scripts and tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.get(job_id)
            if job is None or job["status"] in TERMINAL:
                return job
            time.sleep(0.1)
        return self.get(job_id)

    def shutdown(self) -> None:
        self._closed = True
        with self._lock:
            live = [job for job in self.jobs.values() if job.status not in TERMINAL]
        for job in live:
            self.cancel(job.job_id)
        self._pool.shutdown(wait=True, cancel_futures=True)

    # ---- running -----------------------------------------------------------------------------------------
    def _run(self, job_id: str) -> None:
        job = self.jobs[job_id]
        task = self._tasks.pop(job_id)
        if job.cancel_requested or self._closed:
            return
        self._update(job, status="running", message="starting")
        try:
            outcome = self._run_on_dask(job, task) if self.dask_address else self._run_in_process(job, task)
            if outcome is None:  # cancelled
                return
            self._update(job, persist=False, message="storing the result")
            with self.host.lock:
                run_id = store_result(self.host.workspace, task, outcome)
            self.host.changed()
            self._update(job, status="done", progress=1.0, message="done", run_id=run_id)
        except Exception as error:
            logger.warning("job %s (%s) failed: %s", job_id, job.kind, error)
            if not job.cancel_requested:
                self._update(job, status="failed", message=str(error)[:2000])

    def _run_in_process(self, job: Job, task: PreparedTask) -> Any:
        channel = self._context.Queue()
        process = self._context.Process(
            target=_worker_main, args=(task.kind, task.payload, channel), name=f"ruralmig-job-{job.job_id}"
        )
        process.start()
        last_write = 0.0
        try:
            while True:
                if job.cancel_requested:
                    process.terminate()
                    return None
                try:
                    message = channel.get(timeout=0.2)
                except queue.Empty:
                    if not process.is_alive():
                        ended = f"the worker process ended without a result (exit {process.exitcode})"
                        raise RuntimeError(ended) from None
                    continue
                if message[0] == "progress":
                    done, total = message[1], message[2]
                    now = time.monotonic()
                    persist = now - last_write >= _PERSIST_EVERY
                    last_write = now if persist else last_write
                    self._update(
                        job, persist=persist, progress=min(done / max(total, 1), 0.99), message=f"{done} of {total}"
                    )
                elif message[0] == "result":
                    return message[1]
                else:
                    raise RuntimeError(message[1])
        finally:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
            channel.close()

    def _run_on_dask(self, job: Job, task: PreparedTask) -> Any:
        """The same `run_task` as one Dask task (progress goes 0 → 1; cancel cancels the future)."""
        from dask.distributed import Client

        with Client(self.dask_address, set_as_default=False) as client:  # type: ignore[no-untyped-call]
            future = client.submit(run_task, task.kind, task.payload, None, pure=False)
            self._update(job, message=f"running on Dask at {self.dask_address}")
            while not future.done():
                if job.cancel_requested:
                    future.cancel()
                    return None
                time.sleep(0.2)
            return future.result()
