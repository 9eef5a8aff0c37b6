"""``slm-edge serve``: the HTTP inference server (Flask on waitress, no TensorFlow)."""

import argparse
import ipaddress
import logging
import os
import stat
import sys
from pathlib import Path

from slm_edge.errors import SlmEdgeError

logger = logging.getLogger("slm_edge.server")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve bundles over HTTP (TF Serving and KServe v2 APIs)",
        description=(
            "Serve a bundle (named by its directory name) or every bundle in --models-dir over "
            "HTTP: TF Serving /v1, KServe v2, /metrics, /openapi.json and a try-it page at /. "
            "SIGHUP or POST /admin/reload reloads the bundles; SIGTERM finishes in-flight "
            "requests, then exits."
        ),
    )
    parser.add_argument("bundle", nargs="?", help="bundle directory to serve")
    parser.add_argument("--models-dir", help="serve every bundle directory inside this one")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback)")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--threads", type=int, default=4, help="requests handled at once")
    parser.add_argument(
        "--model-threads", type=int, help="interpreter threads per request (default: all cores)"
    )
    parser.add_argument("--variant", help="model variant to load (default: the recommended one)")
    parser.add_argument(
        "--token-file", help="file holding a bearer token required on every endpoint but liveness"
    )
    parser.add_argument("--max-batch-size", type=int, default=64, help="most texts per request")
    parser.add_argument(
        "--max-body-bytes", type=int, default=1 << 20, help="largest request body (default 1 MiB)"
    )
    parser.add_argument(
        "--micro-batching", action="store_true", help="group concurrent requests per runtime call"
    )
    parser.add_argument("--micro-batch-size", type=int, default=16)
    parser.add_argument("--micro-batch-wait-ms", type=float, default=2.0)
    parser.add_argument(
        "--shutdown-timeout", type=float, default=10.0, help="seconds to finish in-flight requests"
    )
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING"])
    parser.set_defaults(handler=run)


def read_token(path: str) -> str:
    """The token in ``path`` (surrounding whitespace removed); warns if others can read it."""
    file = Path(path)
    try:
        token = file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise SlmEdgeError(f"{path}: cannot read the token file ({error})") from error
    if not token:
        raise SlmEdgeError(f"{path}: the token file is empty")
    if any(char.isspace() for char in token):
        raise SlmEdgeError(f"{path}: the token must be one line without spaces")
    if len(token) < 16:
        logger.warning("the token in %s is short; use e.g. `openssl rand -hex 32`", path)
    if os.name == "posix" and file.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        logger.warning("%s is readable by other users; run `chmod 600 %s`", path, path)
    return token


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    from server import ServerConfig, create_app
    from server.logs import configure_logging
    from server.runner import GracefulServer, serve

    if (args.bundle is None) == (args.models_dir is None):
        raise SlmEdgeError("give a bundle directory or --models-dir (not both)")
    configure_logging(args.log_level)
    token = read_token(args.token_file) if args.token_file else None
    if token is None and not _is_loopback(args.host):
        logger.warning(
            "listening on %s without --token-file: anyone who reaches the port can use every "
            "endpoint, including /admin/reload",
            args.host,
        )
    config = ServerConfig(
        bundle=Path(args.bundle) if args.bundle else None,
        models_dir=Path(args.models_dir) if args.models_dir else None,
        variant=args.variant,
        model_threads=args.model_threads,
        max_batch_size=args.max_batch_size,
        max_content_length=args.max_body_bytes,
        token=token,
        micro_batching=args.micro_batching,
        micro_batch_size=args.micro_batch_size,
        micro_batch_wait_ms=args.micro_batch_wait_ms,
    )
    app = create_app(config)
    try:
        server = GracefulServer(
            app,
            host=args.host,
            port=args.port,
            threads=args.threads,
            max_request_body_size=2 * args.max_body_bytes + (64 << 10),
            shutdown_timeout=args.shutdown_timeout,
        )
    except OSError as error:
        app.extensions["slm_edge"].registry.close()
        raise SlmEdgeError(f"cannot listen on {args.host}:{args.port} ({error})") from error
    serve(server)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m slm_edge.commands.serve``: the command without the rest of the CLI."""
    parser = argparse.ArgumentParser(prog="slm-edge")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["serve", *(sys.argv[1:] if argv is None else argv)])
    try:
        return args.handler(args)
    except SlmEdgeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
