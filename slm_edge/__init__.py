"""slm-edge: small HF encoders, fine-tuned in Keras, converted to TFLite, run on the edge."""

from importlib import metadata

try:
    __version__ = metadata.version("slm-edge")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
