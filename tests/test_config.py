"""Settings from RAG_* variables: one function, used by the CLI, the tests and the benches alike."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.config import Settings, Thresholds, env_name, settings_from_env
from rag.errors import InputError


def test_variables_are_parsed(tmp_path):
    env = {"RAG_HOME": str(tmp_path / "h"), "RAG_INDEX_DIR": str(tmp_path / "i"), "RAG_TOP_K": "5",
           "RAG_CHECK": "fast", "RAG_NO_AUTO_INSTALL": "1", "RAG_BM25_WEIGHT": "0.5", "RAG_WAIT_TIMEOUT": "12",
           "RAG_LLM_URL": "http://127.0.0.1:9/v1", "OTHER": "ignored"}
    s = settings_from_env(env)
    assert (s.home, s.index_dir, s.top_k, s.check) == (tmp_path / "h", tmp_path / "i", 5, "fast")
    assert s.auto_install is False and s.bm25_weight == 0.5 and s.wait_timeout == 12.0
    assert s.llm_url == "http://127.0.0.1:9/v1" and s.models_dir == tmp_path / "h" / "models"
    assert isinstance(s.home, Path) and isinstance(s.thresholds, Thresholds)


def test_nothing_set_gives_the_defaults():
    assert settings_from_env({}) == Settings()
    assert settings_from_env({"RAG_NO_AUTO_INSTALL": "0"}).auto_install is True
    assert settings_from_env({"RAG_LLM_URL": ""}).llm_url is None  # an empty variable is not set


def test_overrides_win_and_none_means_not_given(tmp_path):
    env = {"RAG_TOP_K": "5", "RAG_INDEX_DIR": str(tmp_path / "env")}
    s = settings_from_env(env, top_k=None, index_dir=tmp_path / "opt")
    assert s.top_k == 5 and s.index_dir == tmp_path / "opt"


def test_the_process_environment_is_read_when_none_is_given(monkeypatch, tmp_path):
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "x"))
    monkeypatch.setenv("RAG_THREADS", "3")
    s = settings_from_env()
    assert s.home == tmp_path / "x" and s.threads == 3


@pytest.mark.parametrize("var,value,match", [
    ("RAG_TOP_K", "abc", "RAG_TOP_K='abc' is not a valid int"),
    ("RAG_CHECK", "slow", "RAG_CHECK='slow' is not one of model, fast"),
    ("RAG_NO_AUTO_INSTALL", "maybe", "RAG_NO_AUTO_INSTALL='maybe' is not a yes/no value"),
    ("RAG_BM25_WEIGHT", "lots", "RAG_BM25_WEIGHT='lots' is not a valid float"),
])
def test_a_bad_value_names_the_variable(var, value, match):
    with pytest.raises(InputError, match=match):
        settings_from_env({var: value})


def test_every_scalar_setting_has_a_variable():
    assert env_name("index_dir") == "RAG_INDEX_DIR" and env_name("auto_install") == "RAG_NO_AUTO_INSTALL"


# -- the CLI reads the same variables ---------------------------------------------------------------
def _cli(args, env):
    from rag.cli import main

    return CliRunner().invoke(main, args, env=env)


def test_cli_models_list_uses_rag_home(tmp_path):
    r = _cli(["models", "list", "--json"], {"RAG_HOME": str(tmp_path / "elsewhere")})
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert rows and all(Path(x["path"]).parent == tmp_path / "elsewhere" / "models" for x in rows)
    r = _cli(["models", "list"], {"RAG_HOME": str(tmp_path / "elsewhere"), "RAG_LLM_URL": "http://127.0.0.1:9/v1",
                                  "RAG_EMBED_MODEL": "my-embed"})
    assert "configured: embedding=my-embed  llm=http://127.0.0.1:9/v1" in r.output


def test_cli_settings_are_settings_from_env(tmp_path, monkeypatch):
    """What a command runs with is exactly `settings_from_env` of the same environment, options on top."""
    import rag.cli
    from rag.types import Answer

    seen = []

    class Recorder:
        def __init__(self, settings):
            seen.append(settings)

        def ask(self, question, history=None):
            return Answer(question=question, answer="ok", abstained=False)

    monkeypatch.setattr(rag.cli, "_pipeline", Recorder)
    env = {"RAG_HOME": str(tmp_path / "h"), "RAG_INDEX_DIR": str(tmp_path / "i"), "RAG_TOP_K": "5",
           "RAG_CHECK": "fast", "RAG_NO_AUTO_INSTALL": "yes", "RAG_THREADS": "3"}
    r = _cli(["ask", "--json", "Qui ?"], env)
    assert r.exit_code == 0, r.output
    assert seen == [settings_from_env(env)] and json.loads(r.output)["answer"] == "ok"
    r = _cli(["--top-k", "2", "--check", "model", "ask", "Qui ?"], env)
    assert seen[-1] == settings_from_env(env, top_k=2, check="model")
    r = _cli(["--no-auto-install", "ask", "Qui ?"], {"RAG_HOME": str(tmp_path / "h")})
    assert seen[-1].auto_install is False


@pytest.mark.parametrize("var,value", [("RAG_TOP_K", "abc"), ("RAG_CHECK", "slow")])
def test_cli_reports_a_bad_variable_without_a_traceback(tmp_path, var, value):
    r = _cli(["models", "list", "--json"], {"RAG_HOME": str(tmp_path), var: value})
    assert r.exit_code == 1 and var in r.output and "Traceback" not in r.output, r.output


def test_store_syntax():
    from rag.index.milvus import parse_store

    assert parse_store("") is None and parse_store(None) is None
    t = parse_store("milvus://milvus.example:19530/docs")
    assert (t.uri, t.collection) == ("http://milvus.example:19530", "docs")
    t = parse_store("milvus-lite:///srv/rag.db/docs")
    assert (t.uri, t.collection) == ("/srv/rag.db", "docs")
    for bad in ("milvus://host/docs", "milvus://host:19530/", "milvus://host:19530/9docs", "milvus-lite:x/docs",
                "postgres://h:1/x", "milvus://host:19530/a-b"):
        with pytest.raises(InputError, match="RAG_STORE"):
            parse_store(bad)
