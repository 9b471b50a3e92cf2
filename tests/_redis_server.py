"""A throwaway `redis-server` on 127.0.0.1, for tests and benchmarks of the Redis backend.

    with RedisServer() as redis_server:
        backend = RedisBackend(redis_server.url)

It runs in a temporary directory, saves nothing to disk, and can be stopped,
frozen (SIGSTOP: a Redis that no longer answers) and started again on the same
port to play an outage.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self

__all__ = ["RedisServer", "RedisServerUnavailable"]

_START_SECONDS = 10.0


class RedisServerUnavailable(RuntimeError):
    """redis-server is not installed or would not start (the reason says which)."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One redis-server process on a free port of 127.0.0.1."""

    def __init__(self, executable: str = "redis-server") -> None:
        self.executable = executable
        self.port = 0
        self._directory: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (or start again, on the same port); raise RedisServerUnavailable if it cannot."""
        path = shutil.which(self.executable)
        if path is None:
            raise RedisServerUnavailable(
                f"{self.executable} is not installed (apt-get install -y redis-server)"
            )
        if self._directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix="amigo-redis-"))
        self.port = self.port or _free_port()
        log = self._directory / "redis.log"
        self._process = subprocess.Popen(
            [
                path,
                *("--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self._directory)),
                *("--save", "", "--appendonly", "no", "--logfile", str(log)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + _START_SECONDS
        while not _answers_ping(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-500:] if log.exists() else ""
                self.stop()
                raise RedisServerUnavailable(f"redis-server did not start: {tail.strip()}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop the server (its data is lost); `start()` brings an empty one back."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            self.resume()
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is not None:
            # Wait until the port is really free before a restart binds it again.
            deadline = time.monotonic() + _START_SECONDS
            while _answers_ping(self.port) and time.monotonic() < deadline:
                time.sleep(0.02)

    def freeze(self) -> None:
        """The server stays up but answers nothing (SIGSTOP) until `resume()`."""
        if self._process is not None:
            self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGCONT)

    def close(self) -> None:
        self.stop()
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
