"""From a Keras classifier to validated TFLite variants in a self-describing bundle.

Stages: QAT (``qat``), TFLite export (``export``), op checks (``ops``),
validation (``validate``), MediaPipe metadata (``metadata``), and the bundle
writer (``bundle_writer``), driven by ``pipeline.convert_checkpoint``.
"""
