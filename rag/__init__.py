"""A question-answering assistant that runs on the user's machine and cites its sources."""

__version__ = "0.1.0"
__all__ = ["__version__"]
