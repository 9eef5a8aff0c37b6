"""RoBERTa family (Liu et al., 2019, "RoBERTa: A Robustly Optimized BERT Pretraining Approach").

The encoder is BERT's; positions start after the padding id and the
classification head is dense-tanh-out_proj on <s>, with no pooler.
"""

from slm_edge.models.roberta.spec import ROBERTA

__all__ = ["ROBERTA"]
