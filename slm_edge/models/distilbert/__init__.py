"""DistilBERT family (Sanh et al., 2019, "DistilBERT, a distilled version of BERT").

Six BERT-style blocks without segment embeddings or pooler; the
classification head is pre_classifier (ReLU) then classifier on [CLS].
"""

from slm_edge.models.distilbert.spec import DISTILBERT

__all__ = ["DISTILBERT"]
