"""Load test of `rag serve` on loopback: N concurrent clients for a bounded time, a mix of /healthz, questions
(JSON and streamed) and feedback. Reports status codes, latency p50/p95 per route, /healthz timed by a separate
probe, the server's peak memory (its process and every child: the model process), unexpected 5xx, and feedback
records lost (answered 200 but not in the file).

    RAG_RATE_LIMIT_ASK=off RAG_RATE_LIMIT_API=off python bench/load.py --clients 20 --duration 120 --out bench/results/load.json

It starts its own server (the default models, RAG_* settings from the environment) on a free 127.0.0.1 port
unless --url is given, and waits until /healthz says ready (bounded). All clients share one address, so the
per-client rate limits would turn most of the load into 429s: turn them off for the measurement (as above).

Expected answers under load: 200, and 503 *with* Retry-After (the bounded queue refusing at once, a question's
deadline, the model restarting). Anything else >= 500, a 503 without Retry-After, or a stream that ends without
an answer or a 503 error event counts as unexpected. After a 429 or 503 a client waits what Retry-After says (at
most 5 s), with jitter, as real clients do. The clients speak plain HTTP/1.1 over keep-alive
connections from one asyncio loop: on a small shared machine a heavy client would mostly time itself. Every
loop is bounded in count and time; traffic goes to loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

QUESTIONS = ["Qui est le directeur général de l'Anssi ?", "Quand la loi Résilience sera-t-elle présentée ?",
             "What did the minister call the regions?", "Combien de régions ont signé la charte ?",
             "Quel est le rôle des CSIRT régionaux ?", "Qui est Anne Le Hénanff ?"]
ROUTES = {"healthz": 5, "ask": 2, "stream": 1, "feedback": 2}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree(pid: int) -> list[int]:
    """A process and all its descendants (children of any of its threads)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                try:
                    todo += [int(c) for c in Path(f"/proc/{p}/task/{task}/children").read_text().split()]
                except OSError:
                    pass
        except OSError:
            pass
    return out


def rss_tree_mb(pid: int) -> dict[int, float]:
    """Resident memory of a process and each of its descendants, MB."""
    sizes = {}
    for p in _tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes[p] = int(line.split()[1]) / 1024
        except OSError:
            pass
    return sizes


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))], 4)


# -- a light HTTP/1.1 client ----------------------------------------------------------------------------------
class Conn:
    def __init__(self, host: str, port: int, headers: dict[str, str]):
        self.host, self.port = host, port
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, bytes]:
        """One request; on a kept-alive connection the server closed meanwhile (uvicorn closes idle ones after
        5 s), once more on a new connection, as HTTP clients do."""
        reused = self.writer is not None
        try:
            return await self._request(method, path, body)
        except (ConnectionError, asyncio.IncompleteReadError) as e:
            self.close()
            if not reused or getattr(e, "partial", b""):
                raise
            return await self._request(method, path, body)

    async def _request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        data = json.dumps(body).encode() if body is not None else b""
        self.writer.write(f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self.extra}"
                          f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n".encode() + data)
        await self.writer.drain()
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:] if h)}
        if headers.get("transfer-encoding") == "chunked":
            text = bytearray()
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                text += chunk[:-2]
            text = bytes(text)
        else:
            text = await self.reader.readexactly(int(headers.get("content-length", 0)))
        if headers.get("connection") == "close":
            self.close()
        return status, headers, text

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def stream_outcome(text: bytes) -> tuple[int, bool]:
    """(status, has Retry-After) of a streamed answer: 200 when it ends with an answer event, else its error's."""
    events = []
    for block in text.decode("utf-8", "replace").split("\n\n"):
        name, data = None, None
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
        if name:
            events.append((name, data))
    if events and events[-1][0] == "answer":
        return 200, False
    if events and events[-1][0] == "error":
        err = json.loads(events[-1][1])
        return int(err.get("status", 500)), "retry_after" in err
    return 599, False  # the stream ended with neither


# -- the run --------------------------------------------------------------------------------------------------
async def run_load(host: str, port: int, args, headers: dict, server_pid: int | None) -> dict:
    results: list[tuple[str, int, float, bool]] = []  # route, status, seconds, Retry-After present
    probe: list[float] = []
    feedback_ok: list[str] = []
    peak = {"rss_mb": 0.0, "by_process": {}}
    stop_at = time.monotonic() + args.duration

    def sample():  # on a thread of its own: reading /proc must not hold up the clients' event loop
        while time.monotonic() < stop_at + 2 and server_pid is not None:
            sizes = rss_tree_mb(server_pid)
            total = sum(sizes.values())
            if total > peak["rss_mb"]:
                peak["rss_mb"], peak["by_process"] = total, {str(p): round(v, 1) for p, v in sizes.items()}
            time.sleep(0.5)

    async def prober():
        conn = Conn(host, port, headers)
        for _ in range(int(args.duration * 10) + 10):
            if time.monotonic() > stop_at:
                break
            t = time.perf_counter()
            try:
                status, _, _ = await asyncio.wait_for(conn.request("GET", "/healthz"), 30)
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError):
                conn.close()
                status = 0
            probe.append(time.perf_counter() - t if status == 200 else float("inf"))
            await asyncio.sleep(0.1)
        conn.close()

    async def client(i: int):
        rnd = random.Random(i)
        conn = Conn(host, port, headers)
        for n in range(args.max_requests):
            if time.monotonic() > stop_at or len(results) >= args.max_requests:
                break
            kind = rnd.choices(list(ROUTES), list(ROUTES.values()))[0]
            t = time.perf_counter()
            retry = False
            try:
                if kind == "healthz":
                    status, h, _ = await asyncio.wait_for(conn.request("GET", "/healthz"), 30)
                elif kind == "feedback":
                    comment = f"client {i} #{n}"
                    status, h, _ = await asyncio.wait_for(conn.request("POST", "/v1/feedback", {
                        "question": "q", "answer": "a", "useful": True, "comment": comment}), 30)
                    if status == 200:
                        feedback_ok.append(comment)
                else:
                    path = "/v1/ask" if kind == "ask" else "/v1/ask/stream"
                    status, h, body = await asyncio.wait_for(
                        conn.request("POST", path, {"question": rnd.choice(QUESTIONS)}), 600)
                    if kind == "stream" and status == 200:
                        status, retry = stream_outcome(body)
                retry = retry or "retry-after" in h
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError):
                conn.close()
                status, h = 0, {}
            results.append((kind, status, time.perf_counter() - t, retry))
            if status in (429, 503):  # back off as Retry-After says (at most 5 s), with jitter as clients do
                await asyncio.sleep(min(float(h.get("retry-after", 1)), 5) * rnd.uniform(0.5, 1.0))
        conn.close()

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    await asyncio.gather(prober(), *(client(i) for i in range(args.clients)))
    sampler.join(timeout=5)
    return {"results": results, "probe": probe, "feedback_ok": feedback_ok, "peak": peak}


def summarise(run: dict, feedback: Path | None) -> dict:
    results = run["results"]
    report: dict = {"requests": len(results), "routes": {}}
    for kind in ROUTES:
        rows = [r for r in results if r[0] == kind]
        codes: dict[str, int] = {}
        for _, s, _, _ in rows:
            codes[str(s)] = codes.get(str(s), 0) + 1
        lat = [d for _, _, d, _ in rows]
        ok = [d for _, s, d, _ in rows if s == 200]
        report["routes"][kind] = {"requests": len(rows), "status": codes, "p50_s": pct(lat, 50), "p95_s": pct(lat, 95),
                                  "max_s": round(max(lat), 4) if lat else None,
                                  "ok_p50_s": pct(ok, 50), "ok_p95_s": pct(ok, 95),
                                  "mean_s": round(statistics.mean(lat), 4) if lat else None}
    report["unexpected_5xx"] = sum(1 for _, s, _, retry in results if s >= 500 and not (s == 503 and retry))
    report["503_without_retry_after"] = sum(1 for _, s, _, retry in results if s == 503 and not retry)
    report["connection_errors"] = sum(1 for _, s, _, _ in results if s == 0)
    probe = run["probe"]
    report["healthz_probe"] = {"probes": len(probe), "failed": sum(1 for x in probe if x == float("inf")),
                               "p50_s": pct(probe, 50), "p95_s": pct(probe, 95),
                               "max_s": round(max(probe), 4) if probe else None}
    stored = None
    if feedback is not None and feedback.exists():
        lines = feedback.read_text(encoding="utf-8").splitlines()
        comments = set()
        for line in lines:
            try:
                comments.add(json.loads(line).get("comment"))
            except ValueError:
                pass
        stored = len(lines)
        report["feedback_missing"] = sum(1 for c in run["feedback_ok"] if c not in comments)
    report["feedback_answered_200"] = len(run["feedback_ok"])
    report["feedback_stored"] = stored
    report["feedback_lost"] = None if stored is None else report.get("feedback_missing", 0)
    report["peak_rss_mb"] = round(run["peak"]["rss_mb"], 1) or None
    report["peak_rss_by_process_mb"] = run["peak"]["by_process"]
    return report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    ap.add_argument("--max-requests", type=int, default=20000, help="bound on the total number of requests")
    ap.add_argument("--url", help="an already running server on loopback, e.g. http://127.0.0.1:8000 "
                                  "(default: start one)")
    ap.add_argument("--token", default=os.environ.get("RAG_API_TOKEN"))
    ap.add_argument("--startup-timeout", type=float, default=1800)
    ap.add_argument("--out", type=Path, default=Path("bench/results/load.json"))
    args = ap.parse_args()

    server = None
    tmp = tempfile.TemporaryDirectory(prefix="rag-load-")
    feedback: Path | None = Path(tmp.name) / "feedback.jsonl"
    log = Path(tmp.name) / "serve.log"
    if args.url is None:
        port = free_port()
        host = "127.0.0.1"
        env = dict(os.environ, RAG_FEEDBACK_FILE=str(feedback))
        with log.open("w") as err:
            server = subprocess.Popen([sys.executable, "-m", "rag", "serve", "--port", str(port),
                                       "--feedback-file", str(feedback)], env=env, stdout=subprocess.DEVNULL,
                                      stderr=err)
    else:
        from urllib.parse import urlsplit

        parts = urlsplit(args.url)
        host, port, feedback = parts.hostname, parts.port or 80, None
        if host not in ("127.0.0.1", "localhost", "::1"):
            print("--url must be a loopback address", file=sys.stderr)
            return 2
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}

    async def wait_ready() -> tuple[float | None, dict]:
        t0 = time.monotonic()
        last: dict = {}
        for _ in range(int(args.startup_timeout)):  # bounded: one try a second
            if server is not None and server.poll() is not None:
                return None, last
            conn = Conn(host, port, headers)
            try:
                status, _, body = await asyncio.wait_for(conn.request("GET", "/healthz"), 10)
                last = json.loads(body)
                if last.get("ready"):
                    return time.monotonic() - t0, last
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError):
                pass
            finally:
                conn.close()
            await asyncio.sleep(1)
        return None, last

    ready_s, health = asyncio.run(wait_ready())
    if ready_s is None:
        print(f"server never became ready: {health}\n{log.read_text() if log.exists() else ''}", file=sys.stderr)
        if server is not None and server.poll() is None:
            server.terminate()
        return 1
    load_before = os.getloadavg()
    run = asyncio.run(run_load(host, port, args, headers, server.pid if server else None))
    report = {"clients": args.clients, "duration_s": args.duration,
              "settings": {"RAG_RATE_LIMIT_ASK": os.environ.get("RAG_RATE_LIMIT_ASK", "(default)"),
                           "RAG_RATE_LIMIT_API": os.environ.get("RAG_RATE_LIMIT_API", "(default)"),
                           "max_waiting": health.get("queue", {}).get("max_waiting")},
              "machine": {"cpus": os.cpu_count(), "loadavg_before": load_before}, **summarise(run, feedback)}

    async def after() -> dict:  # the server still answers after the load
        conn = Conn(host, port, headers)
        try:
            t = time.perf_counter()
            s1, _, body = await conn.request("GET", "/healthz")
            h = json.loads(body)
            s2, _, _ = await asyncio.wait_for(conn.request("POST", "/v1/ask", {"question": QUESTIONS[0]}), 600)
            return {"healthz": s1, "ready": h.get("ready"), "ask": s2, "seconds": round(time.perf_counter() - t, 2),
                    "model_restarts": h.get("models", {}).get("llm", {}).get("restarts")}
        finally:
            conn.close()

    report["after_load"] = asyncio.run(after())
    report["machine"]["loadavg_after"] = os.getloadavg()
    if server is not None:
        report["startup"] = {"ready_after_launch_s": round(ready_s, 1), "steps": health.get("steps_done"),
                             "stderr": [line for line in log.read_text().splitlines() if line.strip()][:20]}
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    ok = (report["unexpected_5xx"] == 0 and not report["feedback_lost"]
          and (report["routes"]["healthz"]["p95_s"] or 0) < 0.1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
