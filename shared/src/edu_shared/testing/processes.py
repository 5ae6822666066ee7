"""End-to-end test support: run platform processes (`edu serve`, `edu up`, …) and wait for them over HTTP.

Every process gets its own session (process group), its output in a log file and is stopped with SIGTERM,
then SIGKILL, as a group — so a `uv run` wrapper or uvicorn worker never outlives a test. Waiting helpers poll
with a deadline and, when the process they wait on dies, fail at once with the tail of its log.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

import httpx

__all__ = [
    "ManagedProcess",
    "ProcessFailed",
    "ProcessGroup",
    "edu_command",
    "eventually",
    "free_port",
    "run_edu",
    "wait_for_http",
    "wait_for_http_sync",
    "wait_for_tcp",
]

T = TypeVar("T")

LOG_TAIL_CHARS = 4000


class ProcessFailed(RuntimeError):
    """A platform process exited (or never became ready); the message carries the tail of its log."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the kernel's choice; a tiny race window remains)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def edu_command(*args: str) -> list[str]:
    """argv running the `edu` CLI of the current virtualenv (no `uv run`: no resync, and the pid is the server)."""
    script = Path(sys.executable).with_name("edu")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "from edurecords.cli import main; main()", *args]


@dataclass
class ManagedProcess:
    """One background process with its own process group and log file."""

    name: str
    argv: Sequence[str]
    log_path: Path
    env: Mapping[str, str] | None = None
    cwd: Path | None = None
    port: int | None = None
    host: str = "127.0.0.1"
    _popen: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    _log_file: IO[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        if self.port is None:
            raise ValueError(f"{self.name} has no port")
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen is not None else None

    def start(self) -> ManagedProcess:
        if self._popen is not None:
            raise RuntimeError(f"{self.name} was already started")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log_path.open("ab")
        self._popen = subprocess.Popen(
            list(self.argv),
            env=dict(self.env) if self.env is not None else None,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def exit_code(self) -> int | None:
        """None while running (or never started)."""
        return self._popen.poll() if self._popen is not None else None

    def alive(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def log_tail(self, chars: int = LOG_TAIL_CHARS) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return text[-chars:]

    def failure(self, reason: str) -> ProcessFailed:
        return ProcessFailed(
            f"{self.name}: {reason} (exit code {self.exit_code()}); log {self.log_path}:\n{self.log_tail()}"
        )

    def check_alive(self) -> None:
        if self._popen is not None and self._popen.poll() is not None:
            raise self.failure("the process exited")

    def stop(self, *, timeout_s: float = 15.0) -> None:
        """SIGTERM to the whole process group, SIGKILL after `timeout_s`; safe to call twice."""
        popen = self._popen
        if popen is not None:
            if popen.poll() is None:
                _signal_group(popen.pid, signal.SIGTERM)
                try:
                    popen.wait(timeout=timeout_s)
                except subprocess.TimeoutExpired:
                    _signal_group(popen.pid, signal.SIGKILL)
                    popen.wait(timeout=10)
            # Children of the leader (if any) may still hold the group; they must not outlive the test.
            _signal_group(popen.pid, signal.SIGKILL)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


@dataclass
class ProcessGroup:
    """The processes of one test; `stop_all` (in `finally`) stops them in reverse start order."""

    processes: list[ManagedProcess] = field(default_factory=list)

    def start(self, process: ManagedProcess) -> ManagedProcess:
        self.processes.append(process)
        return process.start()

    def discard(self, process: ManagedProcess) -> None:
        """Stop and forget one process (e.g. a start that failed and is about to be retried)."""
        process.stop()
        self.processes.remove(process)

    def check_alive(self) -> None:
        for process in self.processes:
            process.check_alive()

    def stop_all(self) -> None:
        errors: list[BaseException] = []
        for process in reversed(self.processes):
            try:
                process.stop()
            except Exception as exc:  # one stubborn process must not leave the others running
                errors.append(exc)
        if errors:
            raise errors[0]

    @contextmanager
    def running(self) -> Iterator[ProcessGroup]:
        try:
            yield self
        finally:
            self.stop_all()


def run_edu(
    *args: str, env: Mapping[str, str], cwd: Path | None = None, timeout_s: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """Run a one-shot `edu` command (migrate, dev-token, seed-demo); raise with its output if it fails."""
    argv = edu_command(*args)
    try:
        done = subprocess.run(argv, env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        raise ProcessFailed(f"`edu {' '.join(args)}` did not finish within {timeout_s:.0f}s") from exc
    if done.returncode != 0:
        raise ProcessFailed(
            f"`edu {' '.join(args)}` failed with exit code {done.returncode}:\n"
            f"{done.stdout[-LOG_TAIL_CHARS:]}\n{done.stderr[-LOG_TAIL_CHARS:]}"
        )
    return done


async def wait_for_http(
    url: str,
    *,
    timeout_s: float = 60.0,
    interval_s: float = 0.2,
    expect_status: int = 200,
    processes: Sequence[ManagedProcess] = (),
) -> httpx.Response:
    """Poll `url` until it answers `expect_status`; fail early when one of `processes` dies."""
    deadline = time.monotonic() + timeout_s
    last = "no answer yet"
    async with httpx.AsyncClient(timeout=5.0) as client:
        while True:
            for process in processes:
                process.check_alive()
            try:
                response = await client.get(url)
                if response.status_code == expect_status:
                    return response
                last = f"HTTP {response.status_code}: {response.text[:500]}"
            except httpx.HTTPError as exc:
                last = repr(exc)
            if time.monotonic() >= deadline:
                raise _timeout(url, timeout_s, last, processes)
            await asyncio.sleep(interval_s)


def wait_for_http_sync(
    url: str,
    *,
    timeout_s: float = 60.0,
    interval_s: float = 0.2,
    expect_status: int = 200,
    processes: Sequence[ManagedProcess] = (),
) -> httpx.Response:
    """Blocking twin of `wait_for_http`, for synchronous tests and fixtures."""
    deadline = time.monotonic() + timeout_s
    last = "no answer yet"
    with httpx.Client(timeout=5.0) as client:
        while True:
            for process in processes:
                process.check_alive()
            try:
                response = client.get(url)
                if response.status_code == expect_status:
                    return response
                last = f"HTTP {response.status_code}: {response.text[:500]}"
            except httpx.HTTPError as exc:
                last = repr(exc)
            if time.monotonic() >= deadline:
                raise _timeout(url, timeout_s, last, processes)
            time.sleep(interval_s)


def _timeout(url: str, timeout_s: float, last: str, processes: Sequence[ManagedProcess]) -> ProcessFailed:
    return ProcessFailed(f"{url} not ready within {timeout_s:.0f}s; last: {last}{_log_tails(processes)}")


def _log_tails(processes: Sequence[ManagedProcess]) -> str:
    return "".join(f"\n--- {p.name} ({p.log_path}) ---\n{p.log_tail(1500)}" for p in processes)


async def wait_for_tcp(address: str, *, timeout_s: float, interval_s: float = 0.2) -> None:
    """Wait until `host:port` accepts TCP connections (e.g. a broker that another suite is restarting)."""
    host, _, port = address.rpartition(":")
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), timeout=2.0)
        except (OSError, TimeoutError) as exc:
            if time.monotonic() >= deadline:
                raise ProcessFailed(f"{address} does not accept connections within {timeout_s:.0f}s: {exc!r}") from exc
            await asyncio.sleep(interval_s)
            continue
        writer.close()
        await writer.wait_closed()
        return


async def eventually(
    probe: Callable[[], Awaitable[T | None]],
    *,
    timeout_s: float,
    interval_s: float = 0.25,
    what: str,
    processes: Sequence[ManagedProcess] = (),
) -> T:
    """Poll `probe` until it returns something other than None (bounded wait for eventual consistency)."""
    deadline = time.monotonic() + timeout_s
    while True:
        for process in processes:
            process.check_alive()
        result = await probe()
        if result is not None:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not within {timeout_s:.0f}s{_log_tails(processes)}")
        await asyncio.sleep(interval_s)
