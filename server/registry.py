"""The served models, by name, with atomic hot reload.

A reload loads every new bundle fully before it swaps anything in, under a lock,
so a request sees either the old model or the new one, never a half-loaded one.
A request leases the model it started with; a replaced model is closed only when
its last lease ends, so reloads drop nothing.
"""

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.batching import MicroBatcher
from slm_edge.bundle import MANIFEST
from slm_edge.errors import BundleError

logger = logging.getLogger("slm_edge.server")

MODEL_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
_MODEL_NAME_RE = re.compile(MODEL_NAME)

ClassifierFactory = Callable[[Path], Any]  # a bundle directory -> a TextClassifier
BatcherFactory = Callable[[str, Any], MicroBatcher]  # (name, classifier)


class ModelNotFound(LookupError):
    """No model of that name is served."""


class ServedModel:
    """One loaded bundle: its classifier, optional micro-batcher and lease count."""

    def __init__(
        self, name: str, path: Path, classifier: Any, batcher: MicroBatcher | None = None
    ) -> None:
        self.name = name
        self.path = path
        self.classifier = classifier
        self.batcher = batcher
        self.loaded_at = time.time()
        self._lock = threading.Lock()
        self._leases = 0
        self._retired = False
        self._closed = False

    def classify(self, texts: list[str], top_k: int = 1) -> list:
        """Predictions for ``texts``, through the micro-batcher when there is one."""
        if self.batcher is not None:
            return self.batcher.classify(texts, top_k)
        return self.classifier.classify(texts, top_k=top_k)

    @property
    def labels(self) -> list[str]:
        return list(self.classifier.labels)

    def acquire(self) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError(f"model {self.name} is closed")
            self._leases += 1

    def release(self) -> None:
        with self._lock:
            self._leases -= 1
            close_now = self._retired and self._leases == 0
        if close_now:
            self._close()

    def retire(self) -> None:
        """No new leases come; closes now or when the last lease ends."""
        with self._lock:
            self._retired = True
            close_now = self._leases == 0
        if close_now:
            self._close()

    def _close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self.batcher is not None:
            self.batcher.close()
        self.classifier.close()
        logger.info("closed model %s loaded at %.0f", self.name, self.loaded_at)


@dataclass
class ReloadResult:
    """What a reload did: names swapped in, names removed, and errors by name."""

    loaded: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


def model_name(bundle_dir: Path) -> str:
    """A bundle is served under its directory (or symlink) name, which must be URL-safe."""
    name = Path(os.path.abspath(bundle_dir)).name
    if not _MODEL_NAME_RE.fullmatch(name):
        raise BundleError(
            f"{bundle_dir}: the directory name {name!r} cannot be a model name; rename it to "
            "letters, digits, '.', '_' and '-' (starting with a letter or digit)"
        )
    return name


class ModelSource:
    """Where bundles come from: one bundle directory, or every bundle in a models directory."""

    def __init__(self, bundle: Path | None = None, models_dir: Path | None = None) -> None:
        if (bundle is None) == (models_dir is None):
            raise ValueError("give exactly one of bundle and models_dir")
        self.bundle = Path(bundle) if bundle is not None else None
        self.models_dir = Path(models_dir) if models_dir is not None else None

    def discover(self) -> dict[str, Path]:
        """Model name -> bundle directory, as they are on disk now."""
        if self.bundle is not None:
            return {model_name(self.bundle): self.bundle}
        assert self.models_dir is not None
        if not self.models_dir.is_dir():
            raise BundleError(f"{self.models_dir}: models directory not found")
        bundles = sorted(
            path
            for path in self.models_dir.iterdir()
            if not path.name.startswith(".") and (path / MANIFEST).is_file()
        )  # hidden entries are skipped: e.g. a symlink being prepared for a swap
        if not bundles:
            raise BundleError(
                f"{self.models_dir}: no bundles (subdirectories with {MANIFEST}) found"
            )
        return {model_name(path): path for path in bundles}

    def describe(self) -> str:
        return str(self.bundle if self.bundle is not None else self.models_dir)


class ModelRegistry:
    """Thread-safe map of model name to :class:`ServedModel`, reloadable as a whole."""

    def __init__(
        self,
        source: ModelSource,
        load_classifier: ClassifierFactory,
        make_batcher: BatcherFactory | None = None,
        on_reload: Callable[[ReloadResult], None] | None = None,
    ) -> None:
        self.source = source
        self._load_classifier = load_classifier
        self._make_batcher = make_batcher
        self._on_reload = on_reload
        self._models: dict[str, ServedModel] = {}
        self._lock = threading.Lock()  # guards _models
        self._reload_lock = threading.Lock()  # one reload at a time
        self.last_reload: ReloadResult | None = None
        self.last_reload_at: float | None = None

    def load(self) -> None:
        """The first load: any bundle that fails stops the server from starting."""
        models = {name: self._load(name, path) for name, path in self.source.discover().items()}
        with self._lock:
            self._models = models

    def _load(self, name: str, path: Path) -> ServedModel:
        # Resolved, so that a symlink swapped to a new release later does not change the
        # files this classifier reads (it may open more interpreters lazily).
        path = path.resolve()
        classifier = self._load_classifier(path)
        try:
            batcher = self._make_batcher(name, classifier) if self._make_batcher else None
            return ServedModel(name, path, classifier, batcher)
        except BaseException:
            classifier.close()
            raise

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._models)

    def snapshot(self) -> list[ServedModel]:
        """The models served right now (for metadata and metrics; do not classify with them)."""
        with self._lock:
            return [self._models[name] for name in sorted(self._models)]

    def __contains__(self, name: str) -> bool:
        with self._lock:
            return name in self._models

    @contextmanager
    def lease(self, name: str) -> Iterator[ServedModel]:
        """The model ``name`` as it is now, kept open for the duration of the block."""
        with self._lock:
            model = self._models.get(name)
            if model is None:
                raise ModelNotFound(name)
            model.acquire()
        try:
            yield model
        finally:
            model.release()

    def reload(self) -> ReloadResult:
        """Loads every bundle on disk again, then swaps the good ones in at once.

        A bundle that fails to load keeps its old model serving. If the models
        directory cannot be listed, nothing changes.
        """
        with self._reload_lock:
            result = ReloadResult()
            try:
                found = self.source.discover()
            except Exception as error:
                result.failed[self.source.describe()] = str(error)
                found = None
            fresh: dict[str, ServedModel] = {}
            for name, path in (found or {}).items():
                try:
                    fresh[name] = self._load(name, path)
                except Exception as error:  # any failure keeps the old model
                    logger.error("reload of %s from %s failed: %s", name, path, error)
                    result.failed[name] = f"{type(error).__name__}: {error}"
            with self._lock:
                previous = self._models
                models = dict(previous)
                models.update(fresh)
                if found is not None:
                    result.removed = sorted(set(previous) - set(found))
                    for name in result.removed:
                        del models[name]
                self._models = models
            for name in sorted(fresh):
                if name in previous:
                    previous[name].retire()
            for name in result.removed:
                previous[name].retire()
            result.loaded = sorted(fresh)
            self.last_reload, self.last_reload_at = result, time.time()
        logger.info(
            "reload: loaded %s, removed %s, failed %s",
            result.loaded,
            result.removed,
            sorted(result.failed),
        )
        if self._on_reload is not None:
            self._on_reload(result)
        return result

    def close(self) -> None:
        with self._lock:
            models, self._models = self._models, {}
        for model in models.values():
            model.retire()
