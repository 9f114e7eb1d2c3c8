"""User-meaningful errors. Each message names the fix; the CLI, API and UI show it as is."""

__all__ = ["RagError", "ModelError", "IndexStoreError", "InputError", "SourceError", "PromptError", "GenerationError",
           "ModelUnavailable"]


class RagError(Exception):
    """Base class: anything a user can act on. Never shown with a traceback."""


class ModelError(RagError):
    """A model is missing, fails verification or cannot be loaded."""


class IndexStoreError(RagError):
    """No index, a corrupted index, or one built with other settings."""


class InputError(RagError):
    """A question or option the user gave is not acceptable."""


class SourceError(RagError):
    """A source file cannot be read or holds no text."""


class PromptError(RagError):
    """A prompt template is missing or misses variables."""


class GenerationError(RagError):
    """The language model failed while answering."""


class ModelUnavailable(GenerationError):
    """The model process crashed, hung or ran out of memory; it restarts for the next request."""
