"""The slm-edge inference server: a Flask app (``create_app``) run by waitress.

Imports nothing from TensorFlow, so it runs on a device with only the ``device`` extra.
"""

from server.app import create_app
from server.config import ServerConfig

__all__ = ["ServerConfig", "create_app"]
