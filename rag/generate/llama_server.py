"""`python -m rag.generate.llama_server ARGS…`: llama-cpp-python's OpenAI-compatible server (`python -m
llama_cpp.server`, the same arguments), started in safe mode when this host needs it.

Some virtual machines advertise AMX instructions they cannot run: llama.cpp's default mode then dies with SIGILL
on the first long prompt, after the server has reported ready. `rag doctor` (run by `rag models install`)
records which mode works on this host (`RAG_HOME/runtime.json`); `RAG_SAFE_MODE=on|off` forces one. A served
deployment on such a host starts its model server with this module instead of `python -m llama_cpp.server`.
"""

from __future__ import annotations

import runpy
import sys

from ..config import settings_from_env
from .backends import _without_extra_buffers
from .worker import needs_safe_mode


def main() -> None:
    s = settings_from_env()
    safe = needs_safe_mode(s.safe_mode, s.home)  # as the local model decides it
    print(f"llama_cpp.server in {'safe' if safe else 'normal'} mode (rag doctor's record for this host)",
          file=sys.stderr, flush=True)
    sys.argv[0] = "llama_cpp.server"
    with _without_extra_buffers(safe):  # the server loads its model inside: with extra buffer types off if safe
        runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
