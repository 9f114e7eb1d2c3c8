"""Prompt templates, read from prompts/ at run time. A missing variable fails loudly."""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path

from ..config import resource_path
from ..errors import PromptError

__all__ = ["load_template", "render", "abstain_message", "one_block", "PROMPTS_DIR"]

PROMPTS_DIR = resource_path("prompts")


@lru_cache(maxsize=64)
def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise PromptError(f"prompt file {path} cannot be read ({e.strerror or e}); reinstall the project") from e


def load_template(name: str, lang: str, directory: Path | None = None) -> dict[str, str]:
    """{"system": ..., "user": ...} of `prompts/<name>.<lang>.txt` (French when the language has none), and
    "examples" when the file has that part (it follows the system part: see `Pipeline.messages`)."""
    directory = directory or PROMPTS_DIR
    path = directory / f"{name}.{lang}.txt"
    if not path.exists():
        path = directory / f"{name}.fr.txt"
    text = _read(path)
    parts: dict[str, str] = {}
    current = None
    for line in text.splitlines(keepends=True):
        tag = line.strip()
        if tag in ("[system]", "[examples]", "[user]"):
            current = tag[1:-1]
            parts[current] = ""
        elif current:
            parts[current] += line
    if "user" not in parts:
        raise PromptError(f"prompt file {path} has no [user] part")
    return {k: v.strip() for k, v in parts.items()}


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def render(template: str, **values: str) -> str:
    required = _fields(template)
    missing = required - values.keys()
    if missing:
        raise PromptError(f"prompt is missing variables {sorted(missing)}; required: {sorted(required)}, "
                          f"provided: {sorted(values)}")
    return template.format(**values)


def abstain_message(lang: str, directory: Path | None = None) -> str:
    directory = directory or PROMPTS_DIR
    path = directory / f"abstain.{lang}.txt"
    return _read(path if path.exists() else directory / "abstain.fr.txt").strip()


def one_block(text: str) -> str:
    """A passage as prompts show it: its blank lines made plain line breaks, so that in a prompt a blank line
    always ends a passage (the local model reads a prompt in chunks cut there: `LlamaCppModel._bounds`)."""
    return re.sub(r"\n[ \t]*(?:\n[ \t]*)+", "\n", text)
