"""`rag doctor`: can this host run the local model, and how fast? A realistic prompt (a page of the
default corpus, about 700 tokens, the length that killed AMX-advertising virtual machines) goes through
the model in a child process, in normal mode and in safe mode; normal mode when it works, else safe mode, is
recorded for this host (`HOME/runtime.json`), and later processes start in it. Speed does not choose: one probe each
is within the noise of a shared host (session 15, an AVX2 host: normal 17.7–23.9 s, safe 16.5–19.0 s to the first
words in three runs each); the report gives safe mode's cost as a ratio."""

from __future__ import annotations

import time
from pathlib import Path

from ..config import DEFAULT_CORPUS, Settings, resource_path
from ..errors import GenerationError, ModelError
from .worker import AMX_REBUILD, ModelWorker, host_fingerprint, record_runtime

__all__ = ["probe_messages", "probe", "doctor"]


def probe_messages(chars: int = 2600) -> list[dict]:
    """About 700 tokens: instructions, a page of the bundled article, a question."""
    text = (resource_path("corpus") / DEFAULT_CORPUS).read_text(encoding="utf-8")[:chars]
    return [{"role": "system", "content": "Réponds en une phrase à partir du passage, en citant [1]."},
            {"role": "user", "content": f"[1] {text}\n\nQuestion : de quoi parle ce passage ?"}]


def probe(path: Path, settings: Settings, safe: bool, command: list[str] | None = None) -> dict:
    """Run the probe prompt in a fresh child in one mode: {"ok", "crash", "load_s", "first_piece_s",
    "pieces_per_s", "error"}."""
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
        t1 = time.perf_counter()
        first, n = None, 0
        for _ in worker.stream(probe_messages(), max_tokens=24):
            n += 1
            if first is None:
                first = time.perf_counter()
        end = time.perf_counter()
        out.update(ok=True, first_piece_s=round((first or end) - t1, 3),
                   pieces_per_s=round((n - 1) / (end - first), 1) if first and n > 1 and end > first else None)
    except (GenerationError, ModelError) as e:
        out.update(crash=worker.last_crash, error=str(e))
    finally:
        worker.close()
    return out


def doctor(path: Path, settings: Settings, command: list[str] | None = None) -> dict:
    """Probe both modes, record the one to use on this host, and return the report. Raises ModelError
    when neither mode runs."""
    normal = probe(path, settings, safe=False, command=command)
    safe = probe(path, settings, safe=True, command=command)
    report = {"host": host_fingerprint(), "normal": normal, "safe": safe}
    if normal["ok"]:
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
    record_runtime(settings.home, mode, reason, normal=normal, safe=safe)
    return report
