import json

from click.testing import CliRunner

from rag.cli import main


def test_empty_question_is_a_clear_error_and_touches_nothing(tmp_path):
    r = CliRunner().invoke(main, ["--index-dir", str(tmp_path / "idx"), "ask", "   "])
    assert r.exit_code == 1 and "the question is empty" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "idx").exists()


def test_models_list_on_an_empty_home(tmp_path):
    r = CliRunner().invoke(main, ["--home", str(tmp_path), "models", "list", "--json"])
    assert r.exit_code == 0
    rows = json.loads(r.output)
    assert {x["name"] for x in rows} == {"qwen2.5-coder-1.5b-instruct-q4_k_m", "embeddinggemma-300m"}
    assert all(not x["present"] and not x["verified"] for x in rows)


def test_missing_model_without_auto_install_names_the_fix(tmp_path):
    r = CliRunner().invoke(main, ["--home", str(tmp_path), "--no-auto-install", "--index-dir", str(tmp_path / "i"),
                                  "ask", "Qui ?"])
    assert r.exit_code == 1 and "rag models install" in r.output and "Traceback" not in r.output


def test_corrupted_index_names_the_fix(tmp_path):
    idx = tmp_path / "i"
    idx.mkdir()
    (idx / "manifest.json").write_text("{broken")
    r = CliRunner().invoke(main, ["--home", str(tmp_path), "--index-dir", str(idx), "--embed-model", str(tmp_path),
                                  "ask", "Qui ?"])
    assert r.exit_code == 1 and "rag index --rebuild" in r.output, r.output


def test_help_documents_env_vars_and_examples():
    r = CliRunner().invoke(main, ["ask", "-h"])
    assert "Examples" in r.output
    r = CliRunner().invoke(main, ["-h"])
    assert "RAG_INDEX_DIR" in r.output and "RAG_HOME" in r.output


def test_serve_refuses_a_network_address_without_a_token(monkeypatch):
    from click.testing import CliRunner

    from rag.cli import main

    r = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0"])
    assert r.exit_code == 2 and "API token" in r.output and "--insecure-no-token" in r.output


def test_an_eval_run_records_the_settings_it_ran_with(monkeypatch):
    # A run made with RAG_TOP_K=4 must say so in its metrics.json, or its figures read as the defaults'.
    from rag import cli

    monkeypatch.setattr(cli.sys, "argv", ["rag", "eval", "eval/article.jsonl", "--out", "/tmp/a b"])
    monkeypatch.setenv("RAG_TOP_K", "4")
    monkeypatch.delenv("RAG_INDEX_DIR", raising=False)
    monkeypatch.setenv("RAG_API_TOKEN", "s3cret")
    line = cli._command_line()
    assert "s3cret" not in line and "RAG_API_TOKEN=…" in line  # a run's files are shared: never the token
    assert "RAG_TOP_K=4" in line.split(" rag ")[0].split() and line.endswith(" rag eval eval/article.jsonl --out '/tmp/a b'")
