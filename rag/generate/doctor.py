"""`rag doctor`: can this host run the local model, and how fast? A realistic prompt (a page of the
default corpus, about 700 tokens, the length that killed AMX-advertising virtual machines) goes through
the model in a child process, in normal mode and in safe mode, and the mode to use is recorded for this host
(`HOME/runtime.json`); later processes start in it. Normal mode when it works, unless safe mode answers clearly
faster: hosts differ. On session 15's AVX2 host the two read the probe within noise of each other (normal 17.7–23.9 s,
safe 16.5–19.0 s to the first words) and safe mode wrote slower (6.5 against 10 tokens/s in the latency bench); on
session 16's AVX-512 host safe mode read the same prompt in 0.61–0.72× normal mode's time and wrote nearly as fast
(0.78–0.98×), and the whole checked answer came 0.72× as soon. Each mode reads the probe twice and the faster reading counts, so one
disturbed reading does not choose; and safe mode, when it looks faster, is probed again before normal mode and must
win again, so one disturbed minute does not either. `rag models install` runs the doctor only where no mode is
recorded for this host and build: a re-install does not probe a busy host again and change the mode, which would
make every prompt state kept on disk read again."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from ..config import DEFAULT_CORPUS, Settings, resource_path
from ..errors import GenerationError, ModelError
from .worker import AMX_REBUILD, ModelWorker, host_fingerprint, read_runtime, record_runtime

__all__ = ["probe_messages", "probe", "doctor", "answer_time", "needs_check", "check_host"]

# A typical answer: the probe's prompt, then this many tokens written (the article set's drafts: ~20-40).
ANSWER_TOKENS = 32
# Safe mode is chosen only when its typical answer takes at most this share of normal mode's: the probe is short
# and the host shared, and normal mode (weight repacking) is llama.cpp's own default. The two mistakes cost unlike
# amounts: on session 16's host the ratio read 0.71-0.84 and normal mode answered ~1.4x slower; on session 15's,
# where normal mode is the better one, safe mode answered ~1.05x slower (its ratio there: ~0.94 by the bench's
# speeds).
SAFE_IF_BELOW = 0.9


def probe_messages(chars: int = 2600, reading: int = 1) -> list[dict]:
    """About 700 tokens: instructions, a page of the bundled article, a question. `reading` numbers the prompt's
    first words, so a second reading shares no more than the chat template's first tokens with the first (a model
    that keeps prompt states would otherwise put the first reading back and read nothing)."""
    text = (resource_path("corpus") / DEFAULT_CORPUS).read_text(encoding="utf-8")[:chars]
    return [{"role": "system", "content": f"Lecture {reading}. Réponds en une phrase à partir du passage, en citant [1]."},
            {"role": "user", "content": f"[1] {text}\n\nQuestion : de quoi parle ce passage ?"}]


def probe(path: Path, settings: Settings, safe: bool, command: list[str] | None = None) -> dict:
    """Run the probe prompt in a fresh child in one mode: {"ok", "crash", "load_s", "first_piece_s" (the faster of
    two readings), "readings_s" (both), "pieces_per_s", "error"}."""
    worker = ModelWorker(path, n_ctx=settings.n_ctx, threads=settings.threads, home=settings.home,
                         safe_mode="on" if safe else "off", timeout=settings.model_timeout, command=command)
    out: dict = {"mode": "safe" if safe else "normal", "ok": False, "crash": None}
    try:
        t0 = time.perf_counter()
        worker.load()
        out["load_s"] = round(time.perf_counter() - t0, 2)
        # Every layer's weights serve every token: one short answer pages them all in, so the timed probe
        # measures this mode's kernels, not the disk cache.
        list(worker.stream([{"role": "user", "content": "Bonjour."}], max_tokens=1))
        # Read twice, the faster counts.
        readings = [_read_probe(worker, reading) for reading in (1, 2)]
        first_s, pieces_per_s = min(readings, key=lambda r: r[0])
        out.update(ok=True, first_piece_s=round(first_s, 3), readings_s=[round(r[0], 3) for r in readings],
                   pieces_per_s=round(pieces_per_s, 1) if pieces_per_s else None)
    except (GenerationError, ModelError) as e:
        out.update(crash=worker.last_crash, error=str(e))
    finally:
        worker.close()
    return out


def _read_probe(worker, reading: int) -> tuple[float, float | None]:
    """(seconds to the first piece, pieces per second after it) for the probe prompt."""
    t1 = time.perf_counter()
    first, n = None, 0
    for _ in worker.stream(probe_messages(reading=reading), max_tokens=24):
        n += 1
        if first is None:
            first = time.perf_counter()
    end = time.perf_counter()
    return (first or end) - t1, ((n - 1) / (end - first) if first and n > 1 and end > first else None)


def answer_time(r: dict) -> float | None:
    """A probe's typical answer time: reading the prompt, then `ANSWER_TOKENS` written."""
    if not r.get("ok") or not r.get("first_piece_s") or not r.get("pieces_per_s"):
        return None
    return r["first_piece_s"] + ANSWER_TOKENS / r["pieces_per_s"]


def doctor(path: Path, settings: Settings, command: list[str] | None = None) -> dict:
    """Probe both modes, record the one to use on this host, and return the report. Raises ModelError
    when neither mode runs."""
    normal = probe(path, settings, safe=False, command=command)
    safe = probe(path, settings, safe=True, command=command)
    report = {"host": host_fingerprint(), "normal": normal, "safe": safe}
    share = _safe_share(normal, safe)
    if share is not None and share <= SAFE_IF_BELOW:
        # Each mode was probed in its own minute of a shared host, and on some hosts the two are within 10-15 %
        # (sessions 51-54's AMD EPYC: 0.92 in session 51, 0.88 in session 53, 0.85 in session 54): one disturbed
        # minute must not choose, nor flip the mode, which makes every prompt state kept on disk be read again (823 s
        # there). Safe mode must win again, probed first this time.
        again_safe = probe(path, settings, safe=True, command=command)
        again_normal = probe(path, settings, safe=False, command=command)
        report["again"] = {"normal": again_normal, "safe": again_safe}
        again = _safe_share(again_normal, again_safe)
        share = max(share, again) if again is not None else None
        normal = normal if again_normal["ok"] else again_normal  # (a mode that fails once fails)
        safe = safe if again_safe["ok"] else again_safe
    if share is not None and share <= SAFE_IF_BELOW:
        mode, reason = "safe", (f"both modes run; safe mode answers faster on this host (a typical answer in "
                                f"{share:.2f}× normal mode's time, the closer of two comparisons)")
    elif normal["ok"]:
        mode, reason = "normal", "the model runs in normal mode on this host"
    elif safe["ok"]:
        mode, reason = "safe", f"normal mode failed ({normal['crash'] or normal.get('error')}); safe mode works"
    else:
        record_runtime(settings.home, "broken", "neither mode runs")
        raise ModelError(f"the model cannot run on this machine (normal mode: {normal['crash'] or normal.get('error')}; "
                         f"safe mode: {safe['crash'] or safe.get('error')}). If the CPU advertises AMX, rebuild "
                         f"llama-cpp-python without it: {AMX_REBUILD}")
    if normal["ok"] and safe["ok"] and normal.get("first_piece_s") and safe.get("first_piece_s"):
        # > 1: safe mode takes that many times longer to read the probe prompt
        report["safe_cost"] = round(safe["first_piece_s"] / normal["first_piece_s"], 2)
    report.update(mode=mode, reason=reason)
    record_runtime(settings.home, mode, reason, **{k: report[k] for k in ("normal", "safe", "again") if k in report})
    return report


def _safe_share(normal: dict, safe: dict) -> float | None:
    """Safe mode's typical answer time as a share of normal mode's (None unless both ran)."""
    normal_t, safe_t = answer_time(normal), answer_time(safe)
    return safe_t / normal_t if normal_t and safe_t else None


def needs_check(llm) -> bool:
    """A local model in a child process, in automatic mode, with no mode recorded for this CPU and llama.cpp build:
    models fetched by `rag serve` itself (not `rag models install`), a cache copied to another machine, a new
    llama-cpp-python build."""
    return isinstance(llm, ModelWorker) and llm.safe_mode == "auto" and not read_runtime(llm.home)


def check_host(llm, settings: Settings) -> dict | None:
    """Run the doctor for `llm` when it `needs_check`, before the model is loaded, so that it starts in the mode that
    runs, and answers faster, on this host; its report, or None when nothing was needed."""
    if not needs_check(llm):
        return None
    return doctor(llm.path, replace(settings, home=llm.home), command=llm.command)
