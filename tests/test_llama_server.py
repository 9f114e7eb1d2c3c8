"""`python -m rag.generate.llama_server`: llama_cpp.server in the mode rag doctor recorded for this host."""

from rag.generate.llama_server import needs_safe_mode
from rag.generate.worker import record_runtime


def test_the_recorded_mode_of_this_host_decides(tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_HOME", str(tmp_path))
    assert not needs_safe_mode()  # nothing recorded: llama.cpp's defaults
    record_runtime(tmp_path, "safe", "normal mode failed (SIGILL); safe mode works")
    assert needs_safe_mode()
    monkeypatch.setenv("RAG_SAFE_MODE", "off")  # forced either way
    assert not needs_safe_mode()
    monkeypatch.setenv("RAG_SAFE_MODE", "on")
    record_runtime(tmp_path, "normal", "normal mode works")
    assert needs_safe_mode()
