"""Every relative link in the README and the docs points at a file of the repository: the measurement log moved to
docs/measurements.md (session 33) with ~100 links to runs and bench results, each rewritten for its new folder."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def relative_links(doc: Path) -> list[str]:
    out = []
    for target in LINK.findall(doc.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # another site (none is fetched at run time) or a heading of the same page
        out.append(target.split("#")[0])
    return out


DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_at_files(doc):
    missing = [t for t in relative_links(doc) if not (doc.parent / t).exists()]
    assert not missing, f"{doc.relative_to(ROOT)} links to files that do not exist: {missing}"


def test_the_measurement_log_keeps_its_links():
    # The moved log links runs and results: a move that forgot to rewrite them would fail above, and one that
    # dropped them would pass there, so their number is held too.
    assert len(relative_links(ROOT / "docs" / "measurements.md")) >= 100
