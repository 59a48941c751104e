"""A temporary Prefect API server for one command, for when no PREFECT_API_URL is configured.

It is the server Prefect itself would start (`SubprocessASGIServer`: uvicorn serving
`prefect.server.api.server:create_app` with the UI off, on 127.0.0.1), started differently in two
ways that a run's wall time notices: this process never imports Prefect's server package (3.5 s
of CPU, measured; the server process imports it anyway), and `start()` does not wait, so the
caller loads the flow module while the server boots and calls `wait_ready()` just before the flow.
And in two ways a stopped command notices: the server runs in a session of its own, so Ctrl-C
stops the command (which records its flow runs as crashed, then stops the server) and not the
server under it; and it ends when the command's process dies (SERVE_UNTIL_PARENT_EXITS).
"""
from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from .startup import LOADING_THRESHOLD

# Defaults for a server that lives for one command; a user's own setting of either wins.
# - Block registration: at start-up a server registers Prefect's block types (trialwire's flows use
#   none): even when nothing changed, checking costs 0.5 s of its 4 s boot, importing every installed
#   Prefect collection (prefect-dask brings dask.distributed) to hash the registry. `prefect server
#   start` registers them as usual.
# - Automation triggers: evaluating automations (none of trialwire's flows define one) is most of an
#   idle server's CPU besides its task queue: 0.065 -> 0.046 of a core, measured over 45 s, twice.
#   A user who relies on automations runs a lasting server (PREFECT_API_URL), which is used instead.
TEMPORARY_SERVER_DEFAULTS = {"PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
                             "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
                             "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false"}
PORT_IN_USE = 3  # uvicorn's exit code when another process took the port first
PARENT_PID_VAR = "TRIALWIRE_SERVER_PARENT_PID"
# uvicorn's command line, in a process that the kernel sends SIGTERM when the process that started
# it dies (Linux prctl PR_SET_PDEATHSIG): a command killed outright leaves no server behind. Strictly
# the signal follows the starting *thread*: call start() from a thread that outlives the server
# (the CLI's main thread does).
SERVE_UNTIL_PARENT_EXITS = f"""
import gc, os, runpy, signal, sys
gc.set_threshold{LOADING_THRESHOLD}  # a server for one command: booting is most of its work (startup.py)
try:
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
except Exception:
    pass
if str(os.getppid()) != os.environ.pop({PARENT_PID_VAR!r}, str(os.getppid())):
    sys.exit(1)  # the parent died before prctl took effect
sys.argv = ["uvicorn", *sys.argv[1:]]
runpy.run_module("uvicorn", run_name="__main__", alter_sys=True)
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TemporaryServer:
    def __init__(self, startup_timeout_s: float = 60.0) -> None:
        self.startup_timeout_s = startup_timeout_s
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> "TemporaryServer":
        env = {**TEMPORARY_SERVER_DEFAULTS, **os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
               "PREFECT__SERVER_FINAL": "1"}
        if "prefect.settings" in sys.modules:  # settings this process may have set in code travel too
            from prefect.settings import get_current_settings
            env.update(get_current_settings().to_environment_variables(exclude_unset=True))
        env.pop("PREFECT_API_URL", None)
        # where prefect is installed, without importing it here (1.2 s of CPU before the server could start)
        app_dir = Path(importlib.util.find_spec("prefect").origin).parent.parent
        env[PARENT_PID_VAR] = str(os.getpid())
        # its own session: Ctrl-C in a terminal reaches this process (which then finishes or fails
        # its flow run against a live server, and stops the server) but not the server itself
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVE_UNTIL_PARENT_EXITS, "--app-dir", str(app_dir), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"], env=env, start_new_session=True)
        return self

    def wait_ready(self) -> None:
        """Block until the API answers its health check; a server that could not start raises."""
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code == PORT_IN_USE:
                self.port = free_port()
                self.start()
                continue
            if code is not None:
                raise RuntimeError(f"the temporary Prefect server exited with code {code} before it was ready")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the temporary Prefect server did not answer within {self.startup_timeout_s:.0f} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
