"""Waitress with a graceful stop: close the listener, finish in-flight requests, then exit.

waitress's own ``serve()`` stops its I/O loop at once on SIGTERM, so responses
still being computed are never sent. :class:`GracefulServer` keeps the loop
running until every connection is idle (or a deadline passes).
"""

import logging
import signal
import threading
import time

from flask import Flask
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import create_server

from server.state import EXTENSION

logger = logging.getLogger("slm_edge.server")


class GracefulServer:
    """A waitress server on one address whose :meth:`stop` drains before it returns.

    Args:
        app: the WSGI app.
        host, port: the address (port 0 picks a free one; see ``self.port``).
        threads: waitress worker threads, i.e. requests handled at once.
        max_request_body_size: bodies larger than this are cut off by waitress itself
            (keep it above the app's ``MAX_CONTENT_LENGTH`` so the app answers 413 in JSON).
        shutdown_timeout: most seconds :meth:`stop` waits for in-flight requests.
    """

    def __init__(
        self,
        app: Flask,
        host: str = "127.0.0.1",
        port: int = 8080,
        threads: int = 4,
        max_request_body_size: int = 4 << 20,
        shutdown_timeout: float = 10.0,
    ) -> None:
        self.app = app
        self.shutdown_timeout = shutdown_timeout
        self._map: dict = {}
        self._server = create_server(
            app,
            map=self._map,
            host=host,
            port=port,
            threads=threads,
            ident="slm-edge",
            max_request_body_size=max_request_body_size,
            asyncore_use_poll=True,
        )
        self.host = self._server.effective_host
        self.port = int(self._server.effective_port)
        self._stop_requested = threading.Event()
        self._stopped = threading.Event()
        self._deadline: float | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def run(self) -> None:
        """Serves until :meth:`stop`; then drains and closes every socket."""
        listening = True
        try:
            while True:
                wasyncore.loop(timeout=0.5, map=self._map, use_poll=True, count=1)
                if not self._stop_requested.is_set():
                    continue
                if listening:  # closed here, in the loop's thread, which owns the map
                    wasyncore.dispatcher.close(self._server)
                    listening = False
                    self._deadline = time.monotonic() + self.shutdown_timeout
                    logger.info("stopping: no new connections; finishing in-flight requests")
                if self._idle():
                    break
                if time.monotonic() >= self._deadline:
                    logger.warning("stopping with requests still in flight (timeout)")
                    break
        finally:
            self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
            wasyncore.close_all(self._map)
            self._stopped.set()

    def _idle(self) -> bool:
        """No connection is reading a request, waiting for one to run, or sending one."""
        for channel in list(self._map.values()):
            if isinstance(channel, HTTPChannel) and (
                channel.requests or channel.request is not None or channel.total_outbufs_len
            ):
                return False
        return True

    @property
    def stopping(self) -> bool:
        return self._stop_requested.is_set()

    def stop(self, wait: bool = False, now: bool = False) -> None:
        """Asks the loop to drain and exit (safe from a signal handler or another thread)."""
        if now:
            self._deadline = time.monotonic()
        self._stop_requested.set()
        if not self._stopped.is_set():
            try:
                self._server.pull_trigger()  # wake the poll at once
            except OSError:
                pass
        if wait:
            self._stopped.wait()


def serve(server: GracefulServer) -> None:
    """Runs ``server`` in this (main) thread with the signals of a service.

    SIGTERM and SIGINT stop it gracefully (a second one stops it at once); SIGHUP
    reloads every bundle in the background. The models are closed on the way out.
    """
    registry = server.app.extensions[EXTENSION].registry

    def on_stop(signum, frame) -> None:
        again = server.stopping
        logger.info("%s received%s", signal.Signals(signum).name, " again" if again else "")
        server.stop(now=again)

    def on_hangup(signum, frame) -> None:
        logger.info("SIGHUP received: reloading models")
        threading.Thread(target=registry.reload, name="reload", daemon=True).start()

    previous = {
        signal.SIGTERM: signal.signal(signal.SIGTERM, on_stop),
        signal.SIGINT: signal.signal(signal.SIGINT, on_stop),
        signal.SIGHUP: signal.signal(signal.SIGHUP, on_hangup),
    }
    logger.info("serving %s on %s", ", ".join(registry.names()), server.url)
    try:
        server.run()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        registry.close()
        logger.info("stopped")
