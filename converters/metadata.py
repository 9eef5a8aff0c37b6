"""TFLite metadata that lets MediaPipe Tasks' ``TextClassifier`` run a ``.tflite`` file alone.

MediaPipe takes everything it needs from the model file:

- a ``ModelMetadata`` flatbuffer (identifier ``M001``) in a model buffer that the model's
  ``metadata`` entry ``TFLITE_METADATA`` points to;
- input tensor metadata named ``ids``, ``mask`` and ``segment_ids``, in the order of the
  model's input tensors. The TFLite converter reorders inputs, and a wrong order gives no
  error, only wrong answers;
- a ``BertTokenizerOptions`` input process unit whose VOCABULARY file is the WordPiece vocab.
  MediaPipe then lowercases, adds [CLS]/[SEP], and sets segment ids and padding to 0 itself,
  which suits uncased WordPiece models only. Without that unit (RoBERTa's BPE, DistilBERT's
  two inputs) MediaPipe does not treat the model as BERT, but the labels and names stay;
- a TENSOR_AXIS_LABELS file on the output tensor, which gives each score its category name;
- the associated files zip-appended to the flatbuffer, stored uncompressed.

Pure Python: the metadata schema is vendored in ``_metadata_schema_generated`` (from
tflite-support, whose package pins protobuf<4 and so cannot share TensorFlow's venv) and the
model schema is LiteRT's, so fields that the converter writes survive the repacking.
"""

import io
import zipfile
from pathlib import Path

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as model_schema

from converters import _metadata_schema_generated as metadata_schema
from slm_edge.errors import ConversionError

METADATA_ENTRY = "TFLITE_METADATA"
METADATA_IDENTIFIER = b"M001"
MODEL_IDENTIFIER = b"TFL3"
LABELS_FILE = "labels.txt"
VOCAB_FILE = "vocab.txt"
# Our input names -> the metadata names MediaPipe's BERT preprocessor looks up.
METADATA_INPUT_NAMES = {
    "input_ids": "ids",
    "attention_mask": "mask",
    "token_type_ids": "segment_ids",
}
OUTPUT_METADATA_NAME = "probabilities"

_INPUT_DESCRIPTIONS = {
    "ids": "Token ids: the start token, the text's tokens, the end token, then padding.",
    "mask": "1 for a real token, 0 for padding.",
    "segment_ids": "Segment of each token; 0 for a single text.",
}
_FILE_TYPE_NAMES = {
    value: name
    for name, value in vars(metadata_schema.AssociatedFileType).items()
    if not name.startswith("_")
}


def embed_classifier_metadata(
    flatbuffer: bytes,
    *,
    labels: list[str],
    vocab_path: Path | None,
    input_order: list[str],
    name: str,
    description: str,
    version: str,
) -> bytes:
    """``flatbuffer`` with classifier metadata and its files (replacing any it had).

    Args:
        flatbuffer: a single-signature classifier with one ``[1, len(labels)]`` output.
        labels: the label of each output score, in order.
        vocab_path: the WordPiece ``vocab.txt``; adds the BERT tokenizer unit when the model
            has three inputs. ``None`` for other tokenizers.
        input_order: our input names in the order of the model's input tensors.
        name, description, version: the model's name, description and version.
    """
    model = _unpack_model(flatbuffer)
    _check_signature(model, labels, input_order)
    metadata = _classifier_metadata(labels, vocab_path, input_order, name, description, version)
    files = {LABELS_FILE: "".join(f"{label}\n" for label in labels).encode("utf-8")}
    if metadata.subgraphMetadata[0].inputProcessUnits:
        files[VOCAB_FILE] = Path(vocab_path).read_bytes()

    builder = flatbuffers.Builder(1024)
    builder.Finish(metadata.Pack(builder), METADATA_IDENTIFIER)
    _set_metadata_buffer(model, bytes(builder.Output()))
    builder = flatbuffers.Builder(len(flatbuffer) + 4096)
    builder.Finish(model.Pack(builder), MODEL_IDENTIFIER)
    return _append_files(bytes(builder.Output()), files)


def read_metadata(flatbuffer: bytes) -> dict:
    """The metadata that ``embed_classifier_metadata`` wrote, with its files read back.

    Returns ``name``, ``description``, ``version``, ``min_parser_version``, ``input_names``
    and ``output_names`` (metadata names, in tensor order), ``labels``, ``tokenizer``
    (``"bert"`` or ``None``), ``vocab_size`` (``None`` without a vocab) and
    ``associated_files`` (``{"name", "type"}`` for each file the metadata refers to).
    """
    metadata = metadata_schema.ModelMetadataT.InitFromObj(
        metadata_schema.ModelMetadata.GetRootAs(_metadata_buffer(flatbuffer), 0)
    )
    subgraph = metadata.subgraphMetadata[0]
    packed = _packed_files(flatbuffer)
    referenced = []
    labels: list[str] = []
    for tensor in subgraph.outputTensorMetadata or []:
        for file in tensor.associatedFiles or []:
            referenced.append(file)
            if file.type == metadata_schema.AssociatedFileType.TENSOR_AXIS_LABELS and not labels:
                labels = _file_text(packed, file).splitlines()
    tokenizer, vocab_size = None, None
    for unit in subgraph.inputProcessUnits or []:
        if unit.optionsType == metadata_schema.ProcessUnitOptions.BertTokenizerOptions:
            tokenizer = "bert"
            for file in unit.options.vocabFile or []:
                referenced.append(file)
                vocab_size = len(_file_text(packed, file).splitlines())
    return {
        "name": _text(metadata.name),
        "description": _text(metadata.description),
        "version": _text(metadata.version),
        "min_parser_version": _text(metadata.minParserVersion),
        "input_names": [_text(t.name) for t in subgraph.inputTensorMetadata or []],
        "output_names": [_text(t.name) for t in subgraph.outputTensorMetadata or []],
        "labels": labels,
        "tokenizer": tokenizer,
        "vocab_size": vocab_size,
        "associated_files": [
            {"name": _text(f.name), "type": _FILE_TYPE_NAMES.get(f.type, str(f.type))}
            for f in referenced
        ],
    }


def _unpack_model(flatbuffer: bytes) -> model_schema.ModelT:
    if not model_schema.Model.ModelBufferHasIdentifier(flatbuffer, 0):
        raise ConversionError("not a TFLite flatbuffer (no TFL3 identifier)")
    model = model_schema.ModelT.InitFromObj(model_schema.Model.GetRootAs(flatbuffer, 0))
    # Data outside the flatbuffer (models over 2 GB) is addressed by file offsets that
    # repacking would invalidate.
    if model.externalBuffers or any(b.offset or b.size for b in model.buffers or []):
        raise ConversionError("cannot add metadata to a model whose weights lie outside it")
    return model


def _check_signature(model: model_schema.ModelT, labels: list[str], input_order: list[str]):
    if not labels or any(not label or "\n" in label for label in labels):
        raise ConversionError(f"labels must be non-empty single-line strings, got {labels!r}")
    unknown = [n for n in input_order if n not in METADATA_INPUT_NAMES]
    if unknown or len(set(input_order)) != len(input_order):
        raise ConversionError(
            f"input_order {input_order} must name distinct inputs of {list(METADATA_INPUT_NAMES)}"
        )
    subgraph = model.subgraphs[0]
    tensor_names = [_text(subgraph.tensors[i].name) for i in subgraph.inputs]
    if len(tensor_names) != len(input_order):
        raise ConversionError(f"input_order {input_order} does not match inputs {tensor_names}")
    for ours, tensor_name in zip(input_order, tensor_names, strict=True):
        # Converted tensors are named after the input ("serving_default_input_ids:0"); one
        # named after a different input means the order is wrong, which MediaPipe cannot tell.
        if ours not in tensor_name and any(other in tensor_name for other in METADATA_INPUT_NAMES):
            raise ConversionError(
                f"input_order {input_order} contradicts the model's input tensors {tensor_names}"
            )
    if len(subgraph.outputs) != 1:
        raise ConversionError(f"a classifier has one output; this one has {len(subgraph.outputs)}")
    output = subgraph.tensors[subgraph.outputs[0]]
    shape = [] if output.shape is None else [int(d) for d in output.shape]
    if not shape or shape[-1] != len(labels):
        raise ConversionError(f"the output has shape {shape}, but there are {len(labels)} labels")


def _classifier_metadata(
    labels: list[str],
    vocab_path: Path | None,
    input_order: list[str],
    name: str,
    description: str,
    version: str,
) -> metadata_schema.ModelMetadataT:
    subgraph = metadata_schema.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [
        _tensor_metadata(METADATA_INPUT_NAMES[n], _INPUT_DESCRIPTIONS[METADATA_INPUT_NAMES[n]])
        for n in input_order
    ]
    output = _tensor_metadata(OUTPUT_METADATA_NAME, "Probability of each label (softmax).")
    output.associatedFiles = [
        _associated_file(
            LABELS_FILE,
            "The label of each score, one per line.",
            metadata_schema.AssociatedFileType.TENSOR_AXIS_LABELS,
        )
    ]
    subgraph.outputTensorMetadata = [output]
    # MediaPipe's BERT preprocessor fills exactly ids, mask and segment_ids.
    if vocab_path is not None and len(input_order) == len(METADATA_INPUT_NAMES):
        tokenizer = metadata_schema.BertTokenizerOptionsT()
        tokenizer.vocabFile = [
            _associated_file(
                VOCAB_FILE,
                "WordPiece vocabulary, one token per line.",
                metadata_schema.AssociatedFileType.VOCABULARY,
            )
        ]
        unit = metadata_schema.ProcessUnitT()
        unit.optionsType = metadata_schema.ProcessUnitOptions.BertTokenizerOptions
        unit.options = tokenizer
        subgraph.inputProcessUnits = [unit]

    metadata = metadata_schema.ModelMetadataT()
    metadata.name = name
    metadata.description = description
    metadata.version = version
    metadata.subgraphMetadata = [subgraph]
    # The newest schema members used, by the table in MediaPipe's metadata_version.cc:
    # input process units and BertTokenizerOptions came with 1.1.0.
    metadata.minParserVersion = "1.1.0" if subgraph.inputProcessUnits else "1.0.0"
    return metadata


def _tensor_metadata(name: str, description: str) -> metadata_schema.TensorMetadataT:
    tensor = metadata_schema.TensorMetadataT()
    tensor.name = name
    tensor.description = description
    tensor.content = metadata_schema.ContentT()
    tensor.content.contentPropertiesType = metadata_schema.ContentProperties.FeatureProperties
    tensor.content.contentProperties = metadata_schema.FeaturePropertiesT()
    return tensor


def _associated_file(
    name: str, description: str, file_type: int
) -> metadata_schema.AssociatedFileT:
    file = metadata_schema.AssociatedFileT()
    file.name = name
    file.description = description
    file.type = file_type
    return file


def _set_metadata_buffer(model: model_schema.ModelT, metadata: bytes) -> None:
    buffer = model_schema.BufferT()
    buffer.data = np.frombuffer(metadata, dtype=np.uint8)
    model.buffers = model.buffers or []
    model.metadata = model.metadata or []
    for entry in model.metadata:
        if _text(entry.name) == METADATA_ENTRY:
            model.buffers[entry.buffer] = buffer
            return
    model.buffers.append(buffer)
    entry = model_schema.MetadataT()
    entry.name = METADATA_ENTRY
    entry.buffer = len(model.buffers) - 1
    model.metadata.append(entry)


def _append_files(flatbuffer: bytes, files: dict[str, bytes]) -> bytes:
    """``flatbuffer`` followed by a zip of ``files``, stored, with offsets from the file start."""
    output = io.BytesIO(flatbuffer)
    output.seek(0, io.SEEK_END)
    # Mode "w" at the end rather than "a": "a" first parses the weights as a possible zip.
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_STORED) as archive:
        for file_name, data in files.items():
            archive.writestr(zipfile.ZipInfo(file_name), data)  # fixed date: reproducible files
    return output.getvalue()


def _metadata_buffer(flatbuffer: bytes) -> bytes:
    model = model_schema.Model.GetRootAs(flatbuffer, 0)
    for i in range(model.MetadataLength()):
        entry = model.Metadata(i)
        if _text(entry.Name()) == METADATA_ENTRY:
            data = model.Buffers(entry.Buffer()).DataAsNumpy()
            data = data.tobytes() if isinstance(data, np.ndarray) else b""
            if metadata_schema.ModelMetadata.ModelMetadataBufferHasIdentifier(data, 0):
                return data
            raise ConversionError(f"the model's {METADATA_ENTRY} buffer is not TFLite metadata")
    raise ConversionError(f"the model has no {METADATA_ENTRY} metadata")


def _packed_files(flatbuffer: bytes) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(flatbuffer)) as archive:
            return {info.filename: archive.read(info) for info in archive.infolist()}
    except zipfile.BadZipFile:
        return {}


def _file_text(packed: dict[str, bytes], file: metadata_schema.AssociatedFileT) -> str:
    name = _text(file.name)
    if name not in packed:
        raise ConversionError(f"the metadata names {name}, but the model does not pack it")
    return packed[name].decode("utf-8")


def _text(value: bytes | str | None) -> str | None:
    return value.decode("utf-8") if isinstance(value, bytes) else value
