"""Logs as JSON lines: one object per line, so journald or a collector can parse them."""

import json
import logging

ACCESS_LOGGER = "slm_edge.server.access"


class JsonLineFormatter(logging.Formatter):
    """``{"ts", "level", "logger", ...}``: a record's ``fields`` dict, or its message."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        else:
            line["message"] = record.getMessage()
        request_id = getattr(record, "request_id", None)
        if request_id:
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for the server's loggers (called by ``slm-edge serve`` only)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLineFormatter())
    for name in ("slm_edge", "waitress"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
