"""`python -m rag.generate.llama_server`: llama_cpp.server in the mode rag doctor recorded for this host."""

from rag.config import settings_from_env
from rag.generate.worker import needs_safe_mode, record_runtime


def needs_it() -> bool:
    s = settings_from_env()  # as `python -m rag.generate.llama_server` reads them
    return needs_safe_mode(s.safe_mode, s.home)


def test_the_recorded_mode_of_this_host_decides(tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_HOME", str(tmp_path))
    assert not needs_it()  # nothing recorded: llama.cpp's defaults
    record_runtime(tmp_path, "safe", "normal mode failed (SIGILL); safe mode works")
    assert needs_it()
    monkeypatch.setenv("RAG_SAFE_MODE", "off")  # forced either way
    assert not needs_it()
    monkeypatch.setenv("RAG_SAFE_MODE", "on")
    record_runtime(tmp_path, "normal", "normal mode works")
    assert needs_it()
