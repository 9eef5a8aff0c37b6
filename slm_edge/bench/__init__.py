"""``slm-edge bench``: latency, throughput, memory and load time of a bundle's variants.

Every engine (LiteRT per variant, and the TensorFlow and ONNX Runtime baselines) runs
in its own child process (``worker``), so peak RSS and load time belong to it alone.
Nothing here is imported by ``slm_edge.runtime``; the baselines' packages (the
``bench`` extra) are imported only in the processes that need them.
"""

BASELINES = ("onnxruntime", "tensorflow")
