"""States read ahead, kept on disk between processes (`rag.generate.state_files`); the real model's side is in
tests/test_integration.py (`test_states_read_ahead_are_put_back_by_the_next_process`)."""

from __future__ import annotations

import os

from rag.generate.state_files import StateFiles


def test_a_state_kept_is_given_back_whole_for_exactly_its_prompt(tmp_path):
    files = StateFiles(tmp_path, "host", cap=1 << 20)
    files.put("state", [1, 2, 3], b"cells" * 100)
    files.put("tail", [1, 2, 3, 4], b"tail", start=3)
    again = StateFiles(tmp_path, "host", cap=1 << 20)  # the next process
    assert again.get("state", [1, 2, 3]) == (0, b"cells" * 100)
    assert again.get("tail", [1, 2, 3, 4]) == (3, b"tail")
    assert again.get("state", [1, 2]) is None and again.get("tail", [1, 2, 3]) is None
    assert StateFiles(tmp_path, "other host", cap=1 << 20).get("state", [1, 2, 3]) is None
    assert (again.loaded, files.written) == (2, 2)


def test_a_torn_altered_or_misnamed_file_is_removed_never_given_back(tmp_path):
    files = StateFiles(tmp_path, "host", cap=1 << 20)
    for n, damage in enumerate([lambda b: b[:-7], lambda b: b[:-1] + bytes([b[-1] ^ 1]), lambda b: b"junk"]):
        files.put("state", [n], b"x" * 64)
        path = files._path("state", [n])
        path.write_bytes(damage(path.read_bytes()))
        assert files.get("state", [n]) is None and not path.exists()
    # A file holding another prompt's state under this prompt's name (a hash collision) is not this prompt's.
    files.put("state", [7, 8], b"other")
    os.replace(files._path("state", [7, 8]), files._path("state", [9]))
    assert files.get("state", [9]) is None and files.loaded == 0


def test_past_the_cap_the_least_recently_used_go_and_a_cap_of_zero_keeps_nothing(tmp_path):
    files = StateFiles(tmp_path, "host", cap=3 * 1100)
    for n in range(3):
        files.put("state", [n], b"x" * 1000)
        os.utime(files._path("state", [n]), ns=(n * 10**9, n * 10**9))
    files.get("state", [0])  # used: now the newest
    files.put("state", [3], b"x" * 1000)
    assert [files.get("state", [n]) is not None for n in range(4)] == [True, False, True, True]
    none = StateFiles(tmp_path / "off", "host", cap=0)
    none.put("state", [1], b"x")
    assert none.get("state", [1]) is None and not (tmp_path / "off").exists()


def test_a_disk_that_refuses_costs_only_the_next_read(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    files = StateFiles(blocker, "host", cap=1 << 20)
    files.put("state", [1], b"x")  # no error: the state stays in memory only
    assert files.get("state", [1]) is None and files.written == 0
