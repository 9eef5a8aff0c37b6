"""Sub-commands of ``slm-edge``; each module has ``register(subparsers)``."""

from slm_edge.commands import evaluate, predict, train

COMMANDS = (train, evaluate, predict)
