"""The local model in a supervised child process.

A native crash (an illegal instruction on a virtual machine that advertises AMX it cannot run), a hang or
memory exhaustion ends the child, never the caller: the request in flight gets a `GenerationError`, the
next one starts a fresh child. A child killed by a signal before it wrote anything is started again in
safe mode (llama.cpp without extra buffer types), and the host is remembered as needing it, so later
processes start safe at once. `rag doctor` runs the same probe on purpose and reports the speed cost.

Protocol: one JSON object a line. Requests on the child's stdin ({"op": "stream" | "yes_no" | "remember" |
"prefill" | "load" | "cancel", ...}); replies on a copy of its stdout ({"piece"}, {"done"}, {"value"},
{"error", "kind"}). The child's own fd 1 is pointed at stderr so that nothing printed by native code can break
the protocol.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import select
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from ..errors import GenerationError, ModelError, ModelUnavailable

__all__ = ["ModelWorker", "host_fingerprint", "needs_safe_mode", "read_runtime", "record_runtime", "signal_name",
           "AMX_REBUILD"]

RUNTIME_FILE = "runtime.json"
AMX_REBUILD = ('CMAKE_ARGS="-DCMAKE_C_FLAGS=\'-mno-amx-tile -mno-amx-int8 -mno-amx-bf16\' '
               '-DCMAKE_CXX_FLAGS=\'-mno-amx-tile -mno-amx-int8 -mno-amx-bf16\'" '
               'pip install --force-reinstall --no-cache-dir --no-deps llama-cpp-python')


# -- what this host needs, remembered ------------------------------------------------------------------
def host_fingerprint() -> str:
    """Changes when the CPU's advertised features or the llama.cpp build change."""
    flags = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            flags = next((line for line in f if line.startswith("flags")), "")
    except OSError:
        pass
    try:
        from importlib.metadata import version

        build = version("llama-cpp-python")
    except Exception:  # noqa: BLE001 - not installed: the fingerprint still names the CPU
        build = "?"
    return hashlib.sha256(f"{platform.machine()}|{flags}|{build}".encode()).hexdigest()[:16]


def read_runtime(home: Path) -> dict:
    """The recorded runtime mode of this host ({} when none, or recorded for another host or build)."""
    try:
        state = json.loads((Path(home) / RUNTIME_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) and state.get("host") == host_fingerprint() else {}


def needs_safe_mode(safe_mode: str, home: Path) -> bool:
    """Whether llama.cpp runs in safe mode: as forced (`safe_mode` "on" / "off"), else as recorded for this host."""
    if safe_mode in ("on", "off"):
        return safe_mode == "on"
    return read_runtime(home).get("mode") == "safe"


def record_runtime(home: Path, mode: str, reason: str, **extra) -> dict:
    state = {"host": host_fingerprint(), "mode": mode, "reason": reason,
             "checked": datetime.now(timezone.utc).isoformat(timespec="seconds"), **extra}
    path = Path(home) / RUNTIME_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # remembering is an optimisation: the probe runs again next time
    return state


def signal_name(returncode: int | None) -> str | None:
    if returncode is None or returncode >= 0:
        return None
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def _last(replies):
    value = None
    for _, value in replies:
        pass
    return value


class _Crashed(Exception):
    def __init__(self, signame: str | None, wrote: bool, detail: str = ""):
        super().__init__(signame or detail)
        self.signame, self.wrote, self.detail = signame, wrote, detail


# -- the parent's side ---------------------------------------------------------------------------------
class ModelWorker:
    """A `ChatModel` and `Judge` whose model lives in a child process (see the module's doc)."""

    def __init__(self, path: Path, n_ctx: int = 4096, threads: int = 2, *, home: Path, safe_mode: str = "auto",
                 timeout: float = 120.0, memory_limit: int | None = None, command: list[str] | None = None,
                 lookup: int = 8, state_cap: int = 0):
        self.path, self.n_ctx, self.threads, self.home = Path(path), n_ctx, threads, Path(home)
        self.lookup = lookup
        self.state_cap = state_cap  # bytes of states read ahead the child keeps on disk, in HOME/states (0: none)
        self.name = self.path.stem
        self.safe_mode, self.timeout, self.memory_limit = safe_mode, timeout, memory_limit
        self.command = command  # the child's argv before its options (tests run a stand-in child)
        self._proc: subprocess.Popen | None = None
        self._buf = b""
        self.lock = threading.Lock()  # one request at a time per child
        self.restarts = 0
        self.last_crash: str | None = None  # how the last child died ("SIGILL", "timeout", …)
        self.last_perf: dict = {}
        self.last_judge_perf: dict = {}

    # lifecycle -----------------------------------------------------------------------------------------
    @property
    def safe(self) -> bool:
        return needs_safe_mode(self.safe_mode, self.home)

    @property
    def loaded(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self.loaded else None

    def load(self) -> None:
        """Start the child and load the model in it (raises ModelError if it cannot be loaded)."""
        with self.lock:
            self._request({"op": "load"}, collect=True)

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        self._buf = b""

    def __del__(self):  # pragma: no cover - interpreter shutdown
        try:
            self.close()
        except Exception:  # noqa: BLE001
            pass

    def _start(self) -> subprocess.Popen:
        argv = list(self.command or [sys.executable, "-m", "rag.generate.worker"])
        argv += [str(self.path), "--n-ctx", str(self.n_ctx), "--threads", str(self.threads), "--lookup", str(self.lookup)]
        if self.safe:
            argv.append("--safe")
        if self.memory_limit:
            argv += ["--memory-limit", str(self.memory_limit)]
        if self.state_cap > 0:
            argv += ["--state-dir", str(self.home / "states"), "--state-cap", str(self.state_cap)]
        self._buf = b""
        self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None,
                                      start_new_session=True)  # Ctrl-C reaches the parent, which ends the child
        return self._proc

    # requests ------------------------------------------------------------------------------------------
    def stream(self, messages, max_tokens, temperature=0.0, stop=None) -> Iterator[str]:
        req = {"op": "stream", "messages": messages, "max_tokens": max_tokens, "temperature": temperature,
               "stop": stop}
        with self.lock:
            yield from self._request(req)

    def yes_no(self, messages: list[dict]) -> float:
        with self.lock:
            return self._request({"op": "yes_no", "messages": messages}, collect=True)

    def remember(self, messages: list[dict], block: str | None = None, tail: bool = False,
                 kept_only: bool = False) -> int:
        """See `LlamaCppModel.remember` (the states live in the child: a restarted child starts without them)."""
        with self.lock:
            return self._request({"op": "remember", "messages": messages, "block": block, "tail": tail,
                                  "kept_only": kept_only}, collect=True)

    def prefill(self, messages: list[dict]) -> int:
        """See `LlamaCppModel.prefill`."""
        with self.lock:
            return self._request({"op": "prefill", "messages": messages}, collect=True)

    def _request(self, req: dict, collect: bool = False):
        """Send `req`; a stream yields pieces, other requests return their value. A child killed by a signal
        before it replied is started once more in safe mode (when the mode is automatic)."""
        if collect:
            try:
                return _last(self._exchange(req))
            except _Crashed as crash:
                self._retry_or_raise(crash)
            try:
                return _last(self._exchange(req))
            except _Crashed as crash:
                self.close()
                self.last_crash = crash.signame or crash.detail
                raise ModelUnavailable(self._crash_message(crash)) from None
        return self._streamed(req)

    def _streamed(self, req: dict):
        try:
            for _, piece in self._exchange(req):
                yield piece
            return
        except _Crashed as crash:
            self._retry_or_raise(crash)
        try:
            for _, piece in self._exchange(req):
                yield piece
        except _Crashed as crash:
            self.close()
            self.last_crash = crash.signame or crash.detail
            raise ModelUnavailable(self._crash_message(crash)) from None

    def _retry_or_raise(self, crash: _Crashed) -> None:
        """After a crash: return to retry in safe mode, or raise the error the caller sees."""
        self.close()
        self.restarts += 1
        self.last_crash = crash.signame or crash.detail
        if crash.signame and crash.signame != "timeout" and not crash.wrote and self.safe_mode == "auto" \
                and not self.safe:
            record_runtime(self.home, "safe", f"the model process died by {crash.signame} in normal mode")
            print(f"rag: the model crashed with {crash.signame} on this machine (an instruction its CPU "
                  "advertises but cannot run); continuing in safe mode (no extra buffer types: slower). "
                  "`rag doctor` measures the cost.", file=sys.stderr)
            return
        raise ModelUnavailable(self._crash_message(crash)) from None

    def _crash_message(self, crash: _Crashed) -> str:
        if crash.signame == "timeout":
            return (f"the model took longer than {self.timeout:.0f} s and was stopped; it restarts for the next "
                    "question: try again, or ask a shorter question")
        if crash.signame:
            hint = (f" even in safe mode; rebuild llama-cpp-python for this CPU: {AMX_REBUILD}"
                    if crash.signame == "SIGILL" and self.safe else "")
            return (f"the model process stopped ({crash.signame}){hint}; it restarts for the next question: "
                    "try again")
        return f"the model process stopped ({crash.detail or 'no reply'}); it restarts for the next question: try again"

    def _exchange(self, req: dict):
        """Yields ("piece", text) or ("value", x); raises _Crashed when the child dies or times out."""
        proc = self._proc if self.loaded else self._start()
        deadline = time.monotonic() + self.timeout
        wrote = False
        try:
            proc.stdin.write((json.dumps(req, ensure_ascii=False) + "\n").encode())
            proc.stdin.flush()
        except OSError:
            raise _Crashed(signal_name(proc.wait(timeout=10)), False, "the model process is gone") from None
        finished = False
        try:
            while True:
                msg = self._read(proc, deadline)
                if "error" in msg:
                    finished = True
                    cls = ModelError if msg.get("kind") == "ModelError" else GenerationError
                    raise cls(msg["error"])
                if "piece" in msg:
                    wrote = True
                    yield "piece", msg["piece"]
                elif "value" in msg:
                    finished = True
                    if "perf" in msg:  # a judge call's prompt figures
                        self.last_judge_perf = msg["perf"]
                    yield "value", msg["value"]
                    return
                elif msg.get("done"):
                    finished = True
                    self.last_perf = msg.get("perf") or {}
                    return
        except _Crashed as crash:
            crash.wrote = crash.wrote or wrote
            finished = True
            raise
        finally:
            if not finished:  # the caller stopped reading: ask the child to stop, then drain its reply
                self._cancel(proc)

    def _cancel(self, proc: subprocess.Popen) -> None:
        try:
            proc.stdin.write(b'{"op": "cancel"}\n')
            proc.stdin.flush()
            deadline = time.monotonic() + min(self.timeout, 30)
            while True:
                msg = self._read(proc, deadline)
                if msg.get("done") or "error" in msg or "value" in msg:
                    return
        except (_Crashed, OSError):
            self.close()

    def _read(self, proc: subprocess.Popen, deadline: float) -> dict:
        fd = proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                proc.kill()
                proc.wait(timeout=10)
                raise _Crashed("timeout", False)
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:  # EOF: the child is gone
                raise _Crashed(signal_name(proc.wait(timeout=10)), False,
                               f"exit status {proc.returncode}")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            return {"error": f"the model process sent an unreadable reply: {line[:80]!r}", "kind": "GenerationError"}


# -- the child's side -----------------------------------------------------------------------------------
def _die_with_parent() -> None:
    """End this process when its parent dies, so a model left by a killed server does not go on computing (a
    parent that ends normally closes the pipe, and the child ends at its next read). Not PR_SET_PDEATHSIG: that
    fires when the *thread* that started the child ends, and `rag serve` starts it from its warm-up thread, or
    from the thread of whichever question found it stopped: the model process, with every prompt state it had
    read ahead, was killed after warm-up and after each answer, so every served question loaded the model and
    read its whole prompt again."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)  # (a thread cannot end the process otherwise while the main thread computes)

    threading.Thread(target=watch, name="rag-parent-watch", daemon=True).start()


def _child(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="rag.generate.worker")
    ap.add_argument("model")
    ap.add_argument("--n-ctx", type=int, default=4096)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--safe", action="store_true")
    ap.add_argument("--lookup", type=int, default=8)
    ap.add_argument("--memory-limit", type=int, default=None)
    ap.add_argument("--state-dir", default=None)
    ap.add_argument("--state-cap", type=int, default=0)
    args = ap.parse_args(argv)
    _die_with_parent()
    if args.memory_limit:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (args.memory_limit, args.memory_limit))
    out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # whatever native code prints goes to stderr, never into the protocol
    sys.stdout = sys.stderr

    from .backends import LlamaCppModel

    model = LlamaCppModel(Path(args.model), n_ctx=args.n_ctx, threads=args.threads, safe=args.safe,
                          lookup=args.lookup, state_dir=args.state_dir and Path(args.state_dir),
                          state_cap=args.state_cap)

    def send(obj: dict) -> None:
        out.write(json.dumps(obj, ensure_ascii=False) + "\n")

    def cancelled() -> bool:
        if select.select([sys.stdin], [], [], 0)[0]:
            line = sys.stdin.readline()
            return not line or json.loads(line).get("op") == "cancel"
        return False

    while True:
        line = sys.stdin.readline()
        if not line:
            return 0
        try:
            req = json.loads(line)
        except ValueError:
            continue
        op = req.get("op")
        try:
            if op == "load":
                model.load()
                send({"value": True})
            elif op == "yes_no":
                send({"value": model.yes_no(req["messages"]), "perf": model.last_judge_perf})
            elif op == "remember":
                send({"value": model.remember(req["messages"], req.get("block"), bool(req.get("tail")),
                                              bool(req.get("kept_only")))})
            elif op == "prefill":
                send({"value": model.prefill(req["messages"])})
            elif op == "stream":
                pieces = model.stream(req["messages"], req["max_tokens"], req.get("temperature", 0.0), req.get("stop"))
                stopped = False
                for piece in pieces:
                    send({"piece": piece})
                    if cancelled():
                        stopped = True
                        break
                pieces.close()
                send({"done": True, "cancelled": stopped, "perf": model.last_perf})
            # a "cancel" that arrives after its stream ended was already answered by that stream's "done"
        except (GenerationError, ModelError) as e:
            send({"error": str(e), "kind": type(e).__name__})
        except MemoryError:
            send({"error": "the model ran out of memory", "kind": "GenerationError"})


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
