"""BERT family (BERT, MiniLM and other ``model_type: bert`` checkpoints).

Devlin et al., 2019, "BERT: Pre-training of Deep Bidirectional Transformers for
Language Understanding". MiniLM (Wang et al., 2020) checkpoints use the same graph.
"""

from slm_edge.models.bert.spec import BERT

__all__ = ["BERT"]
