"""The bundle directory and its ``manifest.json``: the contract between converter and runtimes.

See docs/bundle-format.md. Reading never imports TensorFlow.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from slm_edge.errors import BundleError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MODEL_FILE = "model.tflite"
VARIANTS = ("float32", "float16", "dynamic_int8", "full_int8", "qat_int8")


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class BundleManifest:
    """The parsed ``manifest.json`` (field meanings in docs/bundle-format.md)."""

    family: str
    task: str
    labels: list[str]
    max_length: int
    tokenizer: dict
    inputs: list[dict]
    output: dict
    sequence_lengths: list[int]
    recommended: str
    recommendation_reason: str = ""
    variants: dict[str, dict] = field(default_factory=dict)
    calibration: dict = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    tool: dict = field(default_factory=dict)
    created: str = ""
    source_checkpoint: str | None = None
    format_version: int = FORMAT_VERSION

    @property
    def input_names(self) -> list[str]:
        return [spec["name"] for spec in self.inputs]

    def variant_file(self, variant: str | None) -> str:
        """File of ``variant`` (``None``: the recommended ``model.tflite``)."""
        if variant is None:
            return MODEL_FILE
        if variant not in self.variants:
            raise BundleError(
                f"variant {variant!r} is not in this bundle; it has {', '.join(self.variants)}"
            )
        return self.variants[variant]["file"]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"


def read_manifest(bundle_dir: str | Path) -> BundleManifest:
    """Parses and checks ``manifest.json``; a clear BundleError for anything wrong."""
    path = Path(bundle_dir) / MANIFEST
    if not path.is_file():
        raise BundleError(
            f"{path}: not found; a bundle directory is made by `slm-edge convert` and holds "
            "manifest.json, model.tflite, tokenizer.json and labels.txt"
        )
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BundleError(f"{path}: not valid JSON ({error})") from error
    version = raw.get("format_version") if isinstance(raw, dict) else None
    if version != FORMAT_VERSION:
        raise BundleError(
            f"{path}: format_version {version!r} is not supported (this slm-edge reads "
            f"{FORMAT_VERSION}); convert the model again with this version"
        )
    try:
        return BundleManifest(**raw)
    except TypeError as error:
        raise BundleError(f"{path}: unexpected or missing keys ({error})") from error


def verify_files(bundle_dir: str | Path, manifest: BundleManifest, names: list[str] | None = None):
    """Checks the sha256 of ``names`` (default: every file in the manifest)."""
    bundle_dir = Path(bundle_dir)
    for name in names if names is not None else list(manifest.files):
        expected = manifest.files.get(name)
        path = bundle_dir / name
        if expected is None:
            raise BundleError(f"{bundle_dir}: {name} is not listed in manifest.json")
        if not path.is_file():
            raise BundleError(f"{path}: missing from the bundle; convert the model again")
        if sha256_of(path) != expected:
            raise BundleError(
                f"{path}: sha256 does not match manifest.json; the file is corrupt or from "
                "another conversion. Copy the whole bundle directory again."
            )


def write_manifest(bundle_dir: Path, manifest: BundleManifest) -> None:
    """Hashes every file in ``bundle_dir`` into the manifest, then writes it."""
    manifest.files = {
        path.name: sha256_of(path)
        for path in sorted(bundle_dir.iterdir())
        if path.is_file() and path.name != MANIFEST
    }
    (bundle_dir / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
