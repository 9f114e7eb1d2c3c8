"""Throughput (answers/minute) and p95 latency of `rag serve` with 1, 2 and 4 concurrent clients on loopback,
the model embedded (the GGUF in rag's supervised child process) vs served (`--llm-url` to llama_cpp.server).

Each mode starts its own `rag serve` (and, for "served", a `python -m llama_cpp.server` on the default GGUF),
waits for /healthz to say ready, then for each concurrency level runs `--questions` questions from that many
client threads (POST /v1/ask, questions of eval/article.jsonl in turn) and prints one row per level; the
figures are also written as JSON (--out). The embedded model answers one question at a time; with the served
model, `rag serve` sends up to RAG_LLM_PARALLEL questions at once (set here to the most clients), and what they
gain depends on the engine: llama_cpp.server takes one request at a time, vLLM batches them.

    python bench/concurrency.py                       # both modes, 1/2/4 clients, 8 questions a level
    python bench/concurrency.py --modes served --clients 1 4 --questions 12
    python bench/concurrency.py --dry-run             # checks its helpers and prints the commands; runs nothing
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS_FILE = ROOT / "eval" / "article.jsonl"
FALLBACK_QUESTIONS = ["Qui est le directeur général de l'Anssi ?", "Quand la loi NIS2 sera-t-elle présentée ?"]


def p95(values: list[float]) -> float:
    """The 95th percentile, nearest rank (what 95 % of answers took at most)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def per_minute(answers: int, seconds: float) -> float:
    return 60.0 * answers / seconds if seconds > 0 else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_questions(limit: int = 50) -> list[str]:
    """Answerable and unanswerable questions of the article's set (a mix like real traffic)."""
    try:
        rows = [json.loads(line) for line in QUESTIONS_FILE.read_text().splitlines() if line.strip()]
        return [r["question"] for r in rows][:limit] or FALLBACK_QUESTIONS
    except (OSError, ValueError, KeyError):
        return FALLBACK_QUESTIONS


def default_gguf() -> Path:
    from rag.config import settings_from_env

    s = settings_from_env()
    return s.models_dir / f"{s.llm_model}.gguf"


def llama_server_cmd(gguf: Path, port: int, threads: int) -> list[str]:
    return [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", "served",
            "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--n_threads", str(threads),
            "--n_threads_batch", str(threads), "--verbose", "False",
            "--interrupt_requests", "False"]  # else a reply is cut when another request arrives


def rag_serve_cmd(port: int, llm_url: str | None) -> list[str]:
    cmd = [sys.executable, "-m", "rag"]
    if llm_url:
        cmd += ["--llm-url", llm_url, "--llm-model", "served"]
    return cmd + ["serve", "--host", "127.0.0.1", "--port", str(port)]


def serve_env(clients: int) -> dict:
    # No rate limit (all clients are one address), room in the queue for every client, and (served model) as
    # many answers at once as clients.
    return {**os.environ, "RAG_RATE_LIMIT_ASK": "off", "RAG_RATE_LIMIT_API": "off", "RAG_LLM_PARALLEL": str(clients),
            "RAG_MAX_WAITING": str(clients + 1), "RAG_WAIT_TIMEOUT": "3600", "RAG_QUESTION_DEADLINE": "3600"}


def wait_until(url: str, ready, timeout: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{proc.args[:4]} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if ready(json.load(r)):
                    return
        except (OSError, ValueError):
            pass
        time.sleep(1.0)
    raise SystemExit(f"{url} not ready after {timeout:g} s")


def ask(base: str, question: str) -> tuple[float, bool]:
    """Seconds for one answer, and whether it was one (an error status counts as a failure, timed too)."""
    body = json.dumps({"question": question}).encode()
    req = urllib.request.Request(base + "/v1/ask", data=body, headers={"Content-Type": "application/json"})
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=3600) as r:
            json.load(r)
        return time.perf_counter() - t, True
    except (urllib.error.HTTPError, OSError, ValueError):
        return time.perf_counter() - t, False


def run_level(base: str, clients: int, questions: list[str], total: int) -> dict:
    """`total` questions from `clients` threads at once; each thread takes the next question when it is done."""
    lock, next_i, times, failures = threading.Lock(), [0], [], [0]

    def client():
        while True:
            with lock:
                i = next_i[0]
                if i >= total:
                    return
                next_i[0] += 1
            seconds, ok = ask(base, questions[i % len(questions)])
            with lock:
                (times.append(seconds) if ok else failures.__setitem__(0, failures[0] + 1))

    t = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t
    return {"clients": clients, "answers": len(times), "failures": failures[0], "wall_s": round(wall, 2),
            "answers_per_min": round(per_minute(len(times), wall), 2), "p95_s": round(p95(times), 2),
            "median_s": round(sorted(times)[len(times) // 2], 2) if times else None}


def bench_mode(mode: str, args, questions: list[str]) -> list[dict]:
    procs: list[subprocess.Popen] = []
    try:
        llm_url = None
        if mode == "served":
            port = free_port()
            procs.append(subprocess.Popen(llama_server_cmd(args.gguf, port, args.threads),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            llm_url = f"http://127.0.0.1:{port}/v1"
            wait_until(llm_url + "/models", lambda j: bool(j.get("data")), 300, procs[-1])
        port = free_port()
        procs.append(subprocess.Popen(rag_serve_cmd(port, llm_url), env=serve_env(max(args.clients)),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        base = f"http://127.0.0.1:{port}"
        wait_until(base + "/healthz", lambda j: j.get("ready") is True, 900, procs[-1])
        rows = []
        for clients in args.clients:
            row = {"mode": mode, **run_level(base, clients, questions, args.questions)}
            print(f"{mode:9} {clients:>2} clients  {row['answers_per_min']:7.2f} answers/min  p95 {row['p95_s']:6.2f} s"
                  f"  ({row['answers']} answers, {row['failures']} failures, {row['wall_s']} s)", flush=True)
            rows.append(row)
        return rows
    finally:
        for p in reversed(procs):  # only the processes this bench started
            p.terminate()
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()


def dry_run(args) -> None:
    """Check the helpers on known figures and show what a run would start; nothing is started."""
    assert p95([float(i) for i in range(1, 21)]) == 19.0 and p95([3.0]) == 3.0
    assert per_minute(10, 30.0) == 20.0
    questions = load_questions()
    print(f"{len(questions)} questions, e.g. {questions[0]!r}")
    port = free_port()
    print("served model:", " ".join(llama_server_cmd(args.gguf, port, args.threads)))
    print("rag serve   :", " ".join(rag_serve_cmd(free_port(), f"http://127.0.0.1:{port}/v1")))
    print(f"levels: {args.clients} clients × {args.questions} questions, modes {args.modes}; dry run: nothing started")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--modes", nargs="+", choices=["embedded", "served"], default=["embedded", "served"])
    ap.add_argument("--clients", nargs="+", type=int, default=[1, 2, 4], help="concurrency levels")
    ap.add_argument("--questions", type=int, default=8, help="questions per level")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads of llama_cpp.server (served mode)")
    ap.add_argument("--gguf", type=Path, default=None, help="GGUF for llama_cpp.server (default: rag's default)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "concurrency.json")
    ap.add_argument("--dry-run", action="store_true", help="check the helpers and print the commands only")
    args = ap.parse_args(argv)
    if min(args.clients) < 1 or args.questions < 1:
        ap.error("--clients and --questions must be at least 1")
    args.gguf = args.gguf or default_gguf()
    if args.dry_run:
        dry_run(args)
        return 0
    questions = load_questions()
    rows = [row for mode in args.modes for row in bench_mode(mode, args, questions)]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "cpus": os.cpu_count(),
                                    "questions_per_level": args.questions, "rows": rows}, indent=2))
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
