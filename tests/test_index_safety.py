"""Hostile input: `rag index` never deletes a file it did not write, refuses bad source files before writing
anything, survives being interrupted or killed, and reports a damaged index with the way to repair it."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.components import Components, collect_files
from rag.errors import IndexStoreError, InputError, SourceError
from rag.index import store
from rag.ingest import load_source, sources as sources_mod

from conftest import ARTICLE

ROOT = Path(__file__).resolve().parent.parent
REBUILD = r"rag index --rebuild"


@pytest.fixture
def components(settings, fake_embed):
    return Components(settings, embed=fake_embed)


@pytest.fixture
def note(tmp_path):
    f = tmp_path / "docs" / "note.md"
    f.parent.mkdir()
    f.write_text("# Note\n\nLe budget numérique de la commune est de 12 000 euros.\n")
    return f


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every entry under `folder` and the bytes of each file (links not followed)."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            out[str(p.relative_to(folder))] = None if p.is_dir() or p.is_symlink() else p.read_bytes()
    return out


def strays(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.parent.iterdir() if p.name.startswith(f".{index_dir.name}-"))


def user_folder(d: Path) -> dict:
    d.mkdir(parents=True)
    (d / "manifest.json").write_text(json.dumps({"name": "my-app", "version": "1.0"}))
    (d / "notes.txt").write_text("my notes")
    (d / "src" / "pkg").mkdir(parents=True)
    (d / "src" / "pkg" / "main.py").write_text("print('hello')\n")
    return snapshot(d)


def cli(settings, fake_embed, monkeypatch, *args):
    """`rag --index-dir … index …` with the fake embedding."""
    from rag import cli as cli_mod

    monkeypatch.setattr(cli_mod, "_components", lambda s: Components(s, embed=fake_embed))
    return CliRunner().invoke(cli_mod.main, ["--index-dir", str(settings.index_dir), "--embed-model", "fake-embed",
                                             *map(str, args)])


# -- 1. the index never replaces what it did not write -----------------------------------------
def test_a_user_folder_with_a_manifest_is_never_replaced(components, settings):
    before = user_folder(settings.index_dir)
    with pytest.raises(IndexStoreError) as e:
        components.build([ARTICLE])
    msg = str(e.value)
    assert str(settings.index_dir) in msg and "not an index" in msg and "--index-dir" in msg
    assert snapshot(settings.index_dir) == before
    assert strays(settings.index_dir) == []


def test_the_cli_refuses_a_user_folder_before_loading_anything(settings, fake_embed, monkeypatch):
    before = user_folder(settings.index_dir)
    r = cli(settings, fake_embed, monkeypatch, "index", ARTICLE)
    assert r.exit_code == 1 and "not an index" in r.output and "Traceback" not in r.output
    assert fake_embed.calls == 0
    assert snapshot(settings.index_dir) == before


@pytest.mark.parametrize("content", [b"{}", b"not json", json.dumps({"format": 1}).encode(),
                                     json.dumps({"format": "rag-index-ish", "embed_model": "x"}).encode()])
def test_a_lone_foreign_manifest_is_not_an_index(components, settings, content):
    settings.index_dir.mkdir(parents=True)
    (settings.index_dir / "manifest.json").write_bytes(content)
    with pytest.raises(IndexStoreError, match="not an index"):
        components.build([ARTICLE])
    assert (settings.index_dir / "manifest.json").read_bytes() == content
    with pytest.raises(IndexStoreError, match="not an index|rag index"):
        components.open_index()


def test_a_file_dropped_into_the_index_is_never_deleted(components, settings):
    components.build([ARTICLE])
    (settings.index_dir / "mine.txt").write_text("keep me")
    with pytest.raises(IndexStoreError, match="did not write .*mine.txt"):
        components.build([ARTICLE], rebuild=True)
    assert (settings.index_dir / "mine.txt").read_text() == "keep me"
    components.open_index()  # the index itself is still fine


def test_an_index_dir_that_is_a_file_is_refused(components, settings):
    settings.index_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.index_dir.write_text("a file")
    with pytest.raises(IndexStoreError, match="is a file"):
        components.build([ARTICLE])
    assert settings.index_dir.read_text() == "a file"


def test_the_manifest_is_signed_and_lists_the_files(components, settings):
    components.build([ARTICLE])
    m = json.loads((settings.index_dir / "manifest.json").read_text())
    assert m["format"] == "rag-index" and m["format_version"] == store.FORMAT_VERSION
    assert set(m["files"]) == {p.name for p in settings.index_dir.iterdir()}


def test_a_real_index_is_replaced_atomically_and_leaves_nothing_behind(components, settings, note):
    components.build([ARTICLE])
    index, _ = components.build([ARTICLE, note])
    assert set(index.sources) == {"article.txt", "note.md"}
    assert strays(settings.index_dir) == []
    assert set(components.open_index().sources) == {"article.txt", "note.md"}


def test_the_swap_without_an_atomic_exchange_works_too(components, settings, note, monkeypatch):
    components.build([ARTICLE])
    monkeypatch.setattr(store, "_exchange", lambda a, b: False)
    components.build([note])
    assert list(components.open_index().sources) == ["note.md"] and strays(settings.index_dir) == []


def test_an_index_of_format_1_is_read_and_replaced(components, settings, note):
    components.build([ARTICLE])
    d = settings.index_dir
    m = json.loads((d / "manifest.json").read_text())
    m["format"] = 1
    del m["format_version"], m["files"]
    (d / "manifest.json").write_text(json.dumps(m))
    (d / store.MARKER).unlink()
    assert list(components.open_index().sources) == ["article.txt"]
    components.build([note])
    assert list(components.open_index().sources) == ["note.md"]


def test_an_index_dir_given_as_a_link_keeps_the_link(components, settings, tmp_path):
    real = tmp_path / "real-index"
    real.mkdir()
    settings.index_dir.symlink_to(real)
    components.build([ARTICLE])
    components.build([ARTICLE], rebuild=True)
    assert settings.index_dir.is_symlink() and (real / "manifest.json").is_file()
    assert components.open_index().sources


# -- 1b. interrupted and killed builds ---------------------------------------------------------
def test_an_interrupted_build_keeps_the_previous_index(components, settings, note):
    components.build([ARTICLE])
    before = snapshot(settings.index_dir)

    def interrupt(done, total):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        components.build([ARTICLE, note], rebuild=True, progress=interrupt)
    assert snapshot(settings.index_dir) == before and strays(settings.index_dir) == []
    assert list(components.open_index().sources) == ["article.txt"]
    index, _ = components.build([ARTICLE, note])
    assert set(index.sources) == {"article.txt", "note.md"}


def test_an_interrupt_while_writing_removes_the_work_folder(components, settings, note, monkeypatch):
    components.build([ARTICLE])
    before = snapshot(settings.index_dir)

    def interrupt(new, live):
        assert (new / "manifest.json").is_file()  # written in full, not yet swapped in
        raise KeyboardInterrupt
    monkeypatch.setattr(store, "_swap_in", interrupt)
    with pytest.raises(KeyboardInterrupt):
        components.build([note])
    assert snapshot(settings.index_dir) == before and strays(settings.index_dir) == []


_KILLED_BUILD = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    from conftest import fake_vector
    from llama_index.core.embeddings import BaseEmbedding
    from rag.config import Settings
    from rag.components import Components
    from rag.index import store

    class Fake(BaseEmbedding):
        model_path: str = "fake-embed"
        def _get_query_embedding(self, q): return fake_vector(q)
        async def _aget_query_embedding(self, q): return fake_vector(q)
        def _get_text_embedding(self, t): return fake_vector(t)
        def _get_text_embeddings(self, ts): return [fake_vector(t) for t in ts]

    def die(*a, **k):
        os.kill(os.getpid(), signal.SIGKILL)

    where = sys.argv[1]
    if where == "embedding":
        progress = die
    else:
        progress = None
        store._swap_in = die  # the new index is written in full beside the live one
    s = Settings(home={home!r}, index_dir={index_dir!r}, embed_model="fake-embed", auto_install=False)
    Components(s, embed=Fake(model_name="fake-embed")).build(sys.argv[2:], rebuild=True, progress=progress)
""")


@pytest.mark.slow
@pytest.mark.parametrize("where", ["embedding", "writing"])
def test_a_build_killed_with_sigkill_keeps_the_previous_index(components, settings, note, tmp_path, where):
    components.build([ARTICLE])
    before = snapshot(settings.index_dir)
    script = tmp_path / "killed_build.py"
    script.write_text(_KILLED_BUILD.format(tests=str(ROOT / "tests"), home=str(settings.home),
                                           index_dir=str(settings.index_dir)))
    r = subprocess.run([sys.executable, str(script), where, str(ARTICLE), str(note)], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == -signal.SIGKILL, r.stderr
    assert snapshot(settings.index_dir) == before
    assert list(components.open_index().sources) == ["article.txt"]
    if where == "writing":
        assert len(strays(settings.index_dir)) == 1  # the killed build's work folder
    index, _ = components.build([ARTICLE, note])  # the next build works and clears what the killed one left
    assert set(index.sources) == {"article.txt", "note.md"} and strays(settings.index_dir) == []


def test_leftovers_that_are_not_ours_or_in_use_are_left_alone(components, settings):
    components.build([ARTICLE])
    parent = settings.index_dir.parent
    foreign = parent / ".index-build-mine"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("years of work")
    busy = parent / ".index-build-busy"
    busy.mkdir()
    fd = store._mark(busy)  # a build running in another process holds its mark locked
    try:
        components.build([ARTICLE], rebuild=True)
        assert (foreign / "thesis.txt").read_text() == "years of work"
        assert (busy / store.MARKER).is_file()
    finally:
        os.close(fd)
    components.build([ARTICLE], rebuild=True)
    assert not busy.exists() and foreign.exists()


def test_a_swap_killed_between_its_renames_is_recovered(components, settings):
    components.build([ARTICLE])
    old = settings.index_dir.with_name(".index-old-123")
    settings.index_dir.rename(old)  # the state a kill between the two renames of a fallback swap leaves
    assert list(components.open_index(auto_build=True).sources) == ["article.txt"]
    assert not old.exists()


# -- 2. source files ---------------------------------------------------------------------------
def _fifo(d: Path) -> Path:
    p = d / "fifo.txt"
    os.mkfifo(p)
    return p


def _link(d: Path, target: str, name: str = "link.txt") -> Path:
    p = d / name
    p.symlink_to(target)
    return p


def _loop(d: Path) -> Path:
    (d / "a.txt").symlink_to(d / "b.txt")
    (d / "b.txt").symlink_to(d / "a.txt")
    return d / "a.txt"


def _folder(d: Path) -> Path:
    p = d / "x.txt"
    p.mkdir()
    return p


def _write(content: bytes, name="f.txt"):
    def make(d: Path) -> Path:
        p = d / name
        p.write_bytes(content)
        return p
    return make


BAD_SOURCES = {
    "empty": (_write(b""), "holds no text"),
    "blank": (_write(b" \n\t\n"), "holds no text"),
    "binary": (_write(b"PK\x03\x04\x00\x00binary"), "looks binary"),
    "utf16": (_write("Bonjour".encode("utf-16")), "UTF-16 text, not UTF-8"),
    "latin1": (_write("Théâtre élégant".encode("latin-1")), "not UTF-8"),
    "dev-zero": (lambda d: _link(d, "/dev/zero"), "character device"),
    "dev-urandom": (lambda d: _link(d, "/dev/urandom"), "character device"),
    "fifo": (_fifo, "named pipe"),
    "loop": (_loop, "link loop"),
    "self-loop": (lambda d: _link(d, str(d / "link.txt")), "link loop"),
    "broken-link": (lambda d: _link(d, str(d / "gone.txt")), "broken symbolic link"),
    "folder": (_folder, "is a folder"),
    "missing": (lambda d: d / "nope.txt", "cannot read"),
}


def _alarm(seconds: int):
    """Fail instead of hanging (a FIFO opened for reading waits for a writer forever)."""
    def hang(*_):
        raise TimeoutError("load_source hung")
    signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)


@pytest.mark.parametrize("case", list(BAD_SOURCES))
def test_a_bad_source_is_refused_with_a_message_naming_it(tmp_path, case):
    make, match = BAD_SOURCES[case]
    d = tmp_path / "src"
    d.mkdir()
    path = make(d)
    _alarm(10)
    try:
        with pytest.raises(SourceError, match=match) as e:
            load_source(path)
    finally:
        signal.alarm(0)
    assert str(path) in str(e.value)


def test_a_huge_source_is_refused_whatever_its_reported_size(tmp_path, monkeypatch):
    monkeypatch.setattr(sources_mod, "MAX_SOURCE_BYTES", 1000)
    big = tmp_path / "big.txt"
    big.write_text("a" * 2000)
    with pytest.raises(SourceError, match="big.txt is larger than"):
        load_source(big)
    # A file whose size reads as 0 (as /proc files do) is read no further than the cap.
    proc = _link(tmp_path, "/proc/self/maps", "maps.txt")
    assert os.stat(proc).st_size == 0 and len(Path("/proc/self/maps").read_bytes()) > 1000
    with pytest.raises(SourceError, match="maps.txt is larger than"):
        load_source(proc)


def test_the_size_cap_is_read_with_a_bounded_read(tmp_path, monkeypatch):
    """Even a regular file that grows after its size was checked is not read past the cap."""
    monkeypatch.setattr(sources_mod, "MAX_SOURCE_BYTES", 1000)
    f = tmp_path / "grows.txt"
    f.write_text("a" * 10)
    reads = []

    class Growing:
        def __init__(self, fd):
            self.f = open(fd, "rb", closefd=True)

        def __enter__(self):
            return self

        def __exit__(self, *a):
            self.f.close()

        def fileno(self):
            return self.f.fileno()

        def read(self, n=-1):
            reads.append(n)
            return b"a" * min(n, 10_000)
    monkeypatch.setattr(sources_mod, "open", lambda fd, *a, **k: Growing(fd), raising=False)
    with pytest.raises(SourceError, match="larger than"):
        load_source(f)
    assert reads == [1001]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode (CAP_DAC_OVERRIDE); "
                    "test_an_unreadable_source_says_so covers the message")
def test_a_chmod_000_source_is_refused(tmp_path):
    f = tmp_path / "secret.txt"
    f.write_text("secret")
    f.chmod(0)
    with pytest.raises(SourceError, match="secret.txt: permission denied"):
        load_source(f)


def test_an_unreadable_source_says_so(tmp_path, monkeypatch):
    f = tmp_path / "secret.txt"
    f.write_text("secret")

    def denied(*a, **k):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(sources_mod.os, "open", denied)
    with pytest.raises(SourceError, match="secret.txt: permission denied; make it readable"):
        load_source(f)


def test_a_bad_file_stops_the_build_before_anything_is_written(components, settings, fake_embed, tmp_path):
    components.build([ARTICLE])
    before, calls = snapshot(settings.index_dir), fake_embed.calls
    d = tmp_path / "docs"
    d.mkdir()
    (d / "good.md").write_text("# Bon\n\nUn texte correct.\n")
    _fifo(d)
    _link(d, "/dev/zero", "zero.txt")
    _alarm(30)
    try:
        with pytest.raises(SourceError, match="fifo.txt|zero.txt"):
            components.build([ARTICLE, d])
    finally:
        signal.alarm(0)
    assert fake_embed.calls == calls  # nothing embedded
    assert snapshot(settings.index_dir) == before and strays(settings.index_dir) == []


def test_the_cli_reports_a_bad_file_without_a_traceback(settings, fake_embed, monkeypatch, tmp_path):
    fifo = _fifo(tmp_path)
    _alarm(30)
    try:
        r = cli(settings, fake_embed, monkeypatch, "index", fifo)
        r2 = cli(settings, fake_embed, monkeypatch, "index", _loop(tmp_path))
        r3 = cli(settings, fake_embed, monkeypatch, "index", tmp_path / "missing.txt")
    finally:
        signal.alarm(0)
    assert r.exit_code == 1 and "fifo.txt is a named pipe" in r.output and "Traceback" not in r.output
    assert r2.exit_code == 1 and "link loop" in r2.output
    assert r3.exit_code == 1 and "no such file" in r3.output
    assert not settings.index_dir.exists()


def test_folder_walking_survives_link_loops_and_reads_each_file_once(components, tmp_path):
    d = tmp_path / "docs"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text("Le premier texte.\n")
    (d / "sub" / "b.md").write_text("# B\n\nLe second texte.\n")
    (d / "sub" / "up").symlink_to(d)  # a loop
    (d / "again").symlink_to(d / "sub")  # a folder reached twice
    (d / "same.txt").symlink_to(d / "a.txt")  # a file reached twice
    (d / "dir.txt").mkdir()  # a folder with a text name is walked, not read
    (d / "dir.txt" / "c.txt").write_text("Le troisième texte.\n")
    files = collect_files([d, d / "a.txt"])
    assert sorted(f.resolve().name for f in files) == ["a.txt", "b.md", "c.txt"]
    index, _ = components.build([d])
    assert sorted(index.sources) == ["a.txt", "b.md", "c.txt"]


def test_a_path_that_does_not_exist_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        collect_files([tmp_path / "nowhere"])


# -- 3. a damaged or mismatched index ----------------------------------------------------------
def _faiss_of_dimension(path: Path, dim: int, n: int) -> None:
    import faiss
    import numpy as np

    idx = faiss.IndexFlatIP(dim)
    idx.add(np.random.default_rng(0).standard_normal((n, dim)).astype("float32"))
    faiss.write_index(idx, str(path))


def _damage(d: Path, how: str) -> None:
    mf = d / "manifest.json"
    m = json.loads(mf.read_text())
    if how == "truncated-manifest":
        raw = mf.read_bytes()
        mf.write_bytes(raw[: len(raw) // 2])
    elif how == "garbled-manifest":
        mf.write_bytes(os.urandom(300))
    elif how == "manifest-not-an-object":
        mf.write_text("[1, 2]")
    elif how == "manifest-bad-fields":
        m["sources"] = "article.txt"
        mf.write_text(json.dumps(m))
    elif how == "missing-manifest":
        mf.unlink()
    elif how == "missing-faiss":
        (d / store.VECTORS).unlink()
    elif how == "garbled-faiss":
        (d / store.VECTORS).write_bytes(b"garbage" * 100)
    elif how == "truncated-faiss":
        raw = (d / store.VECTORS).read_bytes()
        (d / store.VECTORS).write_bytes(raw[: len(raw) // 3])
    elif how == "garbled-docstore":
        (d / "docstore.json").write_bytes(b"{\"docstore/data\": [1, 2")
    elif how == "docstore-of-another-shape":
        (d / "docstore.json").write_text(json.dumps({"docstore/data": {"x": {"__data__": {"text": 1}}}}))
    elif how == "missing-sources":
        (d / "sources.json").unlink()
    elif how == "garbled-sources":
        (d / "sources.json").write_text("[\"a\"]")
    elif how == "other-dimension":
        _faiss_of_dimension(d / store.VECTORS, 256, m["passages"])
    elif how == "manifest-dimension":
        m["dimension"] = 768
        mf.write_text(json.dumps(m))
    elif how == "passage-count":
        m["passages"] += 1
        mf.write_text(json.dumps(m))
    else:
        raise AssertionError(how)


DAMAGES = ["truncated-manifest", "garbled-manifest", "manifest-not-an-object", "manifest-bad-fields",
           "missing-manifest", "missing-faiss", "garbled-faiss", "truncated-faiss", "garbled-docstore",
           "docstore-of-another-shape", "missing-sources", "garbled-sources", "other-dimension",
           "manifest-dimension", "passage-count"]


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_index_says_how_to_repair_it_and_the_repair_works(components, settings, how, fake_embed,
                                                                    monkeypatch):
    components.build([ARTICLE])
    _damage(settings.index_dir, how)
    with pytest.raises(IndexStoreError, match=REBUILD):
        components.open_index()
    with pytest.raises(IndexStoreError, match=REBUILD):
        components.open_index(auto_build=True)
    # The repair it names works, through the CLI too (a damaged index is ours: it is replaced).
    r = cli(settings, fake_embed, monkeypatch, "index", "--rebuild", ARTICLE)
    assert r.exit_code == 0, r.output
    assert list(components.open_index().sources) == ["article.txt"]
    assert strays(settings.index_dir) == []


def test_an_index_from_a_future_version_is_refused(components, settings):
    components.build([ARTICLE])
    mf = settings.index_dir / "manifest.json"
    m = json.loads(mf.read_text())
    m["format_version"] = store.FORMAT_VERSION + 1
    mf.write_text(json.dumps(m))
    with pytest.raises(IndexStoreError, match=f"newer version of rag .*upgrade rag, or run `{REBUILD}`"):
        components.open_index()
    components.build([ARTICLE], rebuild=True)
    assert components.open_index().manifest["format_version"] == store.FORMAT_VERSION


def test_a_damaged_index_is_not_reused_but_rebuilt(components, settings, fake_embed):
    components.build([ARTICLE])
    _damage(settings.index_dir, "garbled-faiss")
    _, stats = components.build([ARTICLE])  # not --rebuild: nothing reusable, everything embedded anew
    assert stats["reused"] == 0 and stats["embedded"] == stats["passages"]


def test_read_manifest_of_a_foreign_folder_names_the_fix(tmp_path):
    d = tmp_path / "app"
    user_folder(d)
    with pytest.raises(IndexStoreError, match="not an index written by `rag index`.*another --index-dir"):
        store.read_manifest(d)


def test_mode_bits_untouched(tmp_path):
    """The refusal paths never chmod, chown or touch a user's files (mtime kept)."""
    d = tmp_path / "app"
    user_folder(d)
    before = {p: (p.stat().st_mtime_ns, stat.S_IMODE(p.stat().st_mode)) for p in d.rglob("*")}
    with pytest.raises(IndexStoreError):
        store.check_index_dir(d)
    assert {p: (p.stat().st_mtime_ns, stat.S_IMODE(p.stat().st_mode)) for p in d.rglob("*")} == before
