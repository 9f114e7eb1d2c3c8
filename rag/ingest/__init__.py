"""Ingest: read source files, normalise them with offsets kept, split them into passages."""

from .chunk import split_passages, split_sentences
from .language import detect_language
from .sources import SUPPORTED_SUFFIXES, load_source, normalise

__all__ = ["load_source", "normalise", "split_sentences", "split_passages", "detect_language", "SUPPORTED_SUFFIXES"]
