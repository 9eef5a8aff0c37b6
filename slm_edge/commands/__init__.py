"""Sub-commands of ``slm-edge``; each module has ``register(subparsers)``."""

from slm_edge.commands import bench, convert, evaluate, predict, serve, train

COMMANDS = (train, evaluate, predict, convert, bench, serve)
