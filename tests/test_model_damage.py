"""A model file damaged in place (same size, same modification time) is caught before it is used."""

import os

import pytest

from rag import provision
from rag.errors import ModelError

from test_models import fake_registry  # noqa: F401 - the fixture


def _damage_in_place(path):
    st = path.stat()
    with path.open("r+b") as f:
        f.seek(100)
        f.write(b"\0" * 64)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # size and mtime as before
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def test_damaged_model_is_refused_without_auto_install(tmp_path, fake_registry, monkeypatch):
    spec = fake_registry["spec"]
    monkeypatch.setitem(provision.DEFAULT_MODELS, spec.name, spec)
    path = provision.install(spec, tmp_path).path
    assert provision.ensure(spec.name, tmp_path, auto_install=False) == path  # verified stamp: no re-hash
    _damage_in_place(path)
    with pytest.raises(ModelError, match=r"damaged .*sha256.*rag models install --force"):
        provision.ensure(spec.name, tmp_path, auto_install=False)


def test_damaged_model_is_fetched_again_with_auto_install(tmp_path, fake_registry, monkeypatch):
    spec = fake_registry["spec"]
    monkeypatch.setitem(provision.DEFAULT_MODELS, spec.name, spec)
    path = provision.install(spec, tmp_path).path
    _damage_in_place(path)
    assert provision.ensure(spec.name, tmp_path, auto_install=True) == path
    assert path.read_bytes() == fake_registry["payload"]


def test_truncated_model_is_caught(tmp_path, fake_registry, monkeypatch):
    spec = fake_registry["spec"]
    monkeypatch.setitem(provision.DEFAULT_MODELS, spec.name, spec)
    path = provision.install(spec, tmp_path).path
    with path.open("r+b") as f:
        f.truncate(1000)
    with pytest.raises(ModelError, match="damaged"):
        provision.ensure(spec.name, tmp_path, auto_install=False)
