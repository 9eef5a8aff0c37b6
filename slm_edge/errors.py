"""Error types that the CLI and the server turn into clear messages.

Every error a user can cause derives from :class:`SlmEdgeError`. Messages say
what is wrong, where, and how to fix it; the CLI prints them without a traceback.
"""


class SlmEdgeError(Exception):
    """Base class of every error slm-edge reports to a user."""


class CheckpointError(SlmEdgeError):
    """A checkpoint directory is missing, incomplete or inconsistent."""


class UnsupportedModelError(CheckpointError):
    """The checkpoint's ``model_type`` is not one of the supported families."""


class TokenizerError(SlmEdgeError):
    """A tokenizer file is missing or unreadable."""


class DataError(SlmEdgeError):
    """A data file is empty, malformed, or does not match the model's labels."""


class BundleError(SlmEdgeError):
    """A bundle directory is missing files, corrupt, or of an unknown format."""


class ConversionError(SlmEdgeError):
    """A TFLite conversion failed or produced a model the runtime cannot run."""


class ValidationError(SlmEdgeError):
    """A converted variant fell below the accuracy tolerance."""
