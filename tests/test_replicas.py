"""Several `rag serve` replicas over one shared, read-only index: each picks up a new index version (built
elsewhere and swapped in by rename) at its next question, and keeps the old one when the new one is broken."""

from __future__ import annotations

import time

from rag.components import Components

from conftest import ARTICLE


def replica_of(settings, fake_embed) -> Components:
    replica = Components(settings, embed=fake_embed)
    replica.refresh_every = 0.2  # (1 s in service) refresh_index looks at the manifest at most this often
    return replica


def _wait_past_the_refresh_interval():
    time.sleep(0.25)


def test_a_replica_picks_up_a_new_index_version(settings, fake_embed, tmp_path):
    replica = replica_of(settings, fake_embed)
    Components(settings, embed=fake_embed).build([ARTICLE])  # the first version, built by a job
    before = replica.index
    assert not replica.refresh_index()  # nothing new

    extra = tmp_path / "notes.txt"
    extra.write_text("Les répliques lisent un index partagé. Une nouvelle version remplace l'ancienne d'un coup.\n")
    Components(settings, embed=fake_embed).build([ARTICLE, extra])  # a new version lands
    _wait_past_the_refresh_interval()
    assert replica.refresh_index()
    assert replica.index is not before and "notes.txt" in replica.index.sources


def test_a_broken_new_version_leaves_the_old_one_serving(settings, fake_embed):
    replica = replica_of(settings, fake_embed)
    Components(settings, embed=fake_embed).build([ARTICLE])
    before = replica.index
    manifest = settings.index_dir / "manifest.json"
    manifest.write_text("{damaged")
    _wait_past_the_refresh_interval()
    assert not replica.refresh_index() and replica.index is before
