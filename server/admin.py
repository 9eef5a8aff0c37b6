"""Administration: hot reload of every bundle from disk (behind the token when one is set)."""

from flask import Blueprint, jsonify

from server.errors import error_response
from server.state import current_state

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


@blueprint.post("/reload")
def reload():
    """Loads every bundle again and swaps in those that load; 422 if any failed."""
    state = current_state()
    result = state.registry.reload()
    body = {
        "loaded": result.loaded,
        "removed": result.removed,
        "failed": result.failed,
        "models": state.registry.names(),
    }
    if result.ok:
        return jsonify(body)
    response, status = error_response(
        422,
        "reload_failed",
        f"{len(result.failed)} bundle(s) failed to load and keep their old model: "
        + "; ".join(f"{name}: {error}" for name, error in sorted(result.failed.items())),
        details=body,
    )
    return response, status
