"""Load test of `rag serve` on loopback: N concurrent clients for a bounded time, a mix of /healthz, questions
and feedback. Reports status codes, latency p50/p95 per route, the server's peak memory (its process and
the model's child process), unexpected 5xx, and feedback records lost (answered 200 but not in the file).

    python bench/load.py --clients 20 --duration 120 --out bench/results/load.json

It starts its own server (the default models, RAG_* settings from the environment) on a free 127.0.0.1
port unless --url is given. Every loop is bounded in count and time; traffic goes to loopback only.
"""

from __future__ import annotations

import argparse
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

import httpx

QUESTIONS = ["Qui est le directeur général de l'Anssi ?", "Quand la loi Résilience sera-t-elle présentée ?",
             "What did the minister call the regions?", "Combien de régions ont signé la charte ?",
             "Quel est le rôle des CSIRT régionaux ?", "Qui est Anne Le Hénanff ?"]
EXPECTED_5XX = {503}  # busy (with Retry-After) or the model restarting: a clear, expected answer under load


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_tree_mb(pid: int) -> float:
    """Resident memory of a process and its children, MB."""
    total = 0
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))], 4)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    ap.add_argument("--max-requests", type=int, default=20000, help="bound on the total number of requests")
    ap.add_argument("--url", help="an already running server (default: start one)")
    ap.add_argument("--token", default=os.environ.get("RAG_API_TOKEN"))
    ap.add_argument("--out", type=Path, default=Path("bench/results/load.json"))
    args = ap.parse_args()

    server = None
    tmp = tempfile.TemporaryDirectory(prefix="rag-load-")
    feedback = Path(tmp.name) / "feedback.jsonl"
    url = args.url
    if url is None:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = dict(os.environ, RAG_FEEDBACK_FILE=str(feedback))
        server = subprocess.Popen([sys.executable, "-m", "rag", "serve", "--port", str(port),
                                   "--feedback-file", str(feedback)], env=env, stdout=subprocess.DEVNULL)
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    with httpx.Client(timeout=5) as c:  # wait until ready (bounded)
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            try:
                if c.get(url + "/healthz").json().get("ready"):
                    break
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(1)
        else:
            print("server never became ready", file=sys.stderr)
            return 1

    results: list[tuple[str, int, float]] = []
    feedback_ok = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + args.duration
    peak = {"rss_mb": 0.0}

    def sample():
        while time.monotonic() < stop_at + 5 and server is not None:
            peak["rss_mb"] = max(peak["rss_mb"], rss_tree_mb(server.pid))
            time.sleep(0.5)

    def client(i: int):
        nonlocal feedback_ok
        rnd = random.Random(i)
        with httpx.Client(timeout=300, headers=headers) as c:
            while time.monotonic() < stop_at:
                with lock:
                    if len(results) >= args.max_requests:
                        return
                kind = rnd.choices(["healthz", "ask", "feedback"], [5, 3, 2])[0]
                t = time.perf_counter()
                try:
                    if kind == "healthz":
                        r = c.get(url + "/healthz")
                    elif kind == "ask":
                        r = c.post(url + "/v1/ask", json={"question": rnd.choice(QUESTIONS)})
                    else:
                        r = c.post(url + "/v1/feedback", json={"question": "q", "answer": "a", "useful": True,
                                                               "comment": f"client {i}"})
                    status = r.status_code
                except httpx.HTTPError:
                    status = 0
                dt = time.perf_counter() - t
                with lock:
                    results.append((kind, status, dt))
                    if kind == "feedback" and status == 200:
                        feedback_ok += 1
                if status in (429, 503):
                    time.sleep(min(float(r.headers.get("Retry-After", 1)), 5))

    threads = [threading.Thread(target=sample, daemon=True)] + [
        threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for th in threads:
        th.start()
    for th in threads[1:]:
        th.join()

    stored = sum(1 for _ in feedback.open()) if feedback.exists() else None
    report: dict = {"clients": args.clients, "duration_s": args.duration, "requests": len(results), "routes": {}}
    for kind in ("healthz", "ask", "feedback"):
        rows = [r for r in results if r[0] == kind]
        codes: dict[str, int] = {}
        for _, s, _ in rows:
            codes[str(s)] = codes.get(str(s), 0) + 1
        lat = [d for _, s, d in rows]
        ok = [d for _, s, d in rows if s == 200]
        report["routes"][kind] = {"requests": len(rows), "status": codes, "p50_s": pct(lat, 50), "p95_s": pct(lat, 95),
                                  "ok_p50_s": pct(ok, 50), "ok_p95_s": pct(ok, 95),
                                  "mean_s": round(statistics.mean(lat), 4) if lat else None}
    report["unexpected_5xx"] = sum(1 for _, s, _ in results if s >= 500 and s not in EXPECTED_5XX)
    report["connection_errors"] = sum(1 for _, s, _ in results if s == 0)
    report["feedback_answered_200"] = feedback_ok
    report["feedback_stored"] = stored
    report["feedback_lost"] = None if stored is None else feedback_ok - stored
    report["peak_rss_mb"] = round(peak["rss_mb"], 1) if server else None
    if server is not None:
        server.terminate()
        server.wait(timeout=30)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    return 0 if report["unexpected_5xx"] == 0 and not report["feedback_lost"] else 1


if __name__ == "__main__":
    sys.exit(main())
