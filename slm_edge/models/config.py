"""The architecture-neutral description of an encoder, parsed from a family's config.json."""

from dataclasses import dataclass


@dataclass(frozen=True)
class EncoderConfig:
    """Hyper-parameters of a post-LayerNorm Transformer encoder (BERT and its kin).

    Args:
        vocab_size: number of token embeddings.
        hidden_size: width of every hidden state.
        num_layers: number of Transformer blocks.
        num_heads: attention heads per block; must divide ``hidden_size``.
        intermediate_size: width of the feed-forward layer.
        hidden_act: ``gelu`` (exact), ``gelu_new`` (tanh approximation) or ``relu``.
        max_positions: rows of the position-embedding table.
        type_vocab_size: rows of the segment-embedding table; 0 when the family has none.
        layer_norm_eps: LayerNorm epsilon.
        pad_token_id: id of the padding token.
        position_offset: RoBERTa counts positions from ``pad_token_id + 1``; 0 elsewhere.
        hidden_dropout: dropout after embeddings and every residual branch.
        attention_dropout: dropout on attention probabilities.
        classifier_dropout: dropout before the task head.
    """

    vocab_size: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    hidden_act: str = "gelu"
    max_positions: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    pad_token_id: int = 0
    position_offset: int = 0
    hidden_dropout: float = 0.1
    attention_dropout: float = 0.1
    classifier_dropout: float = 0.1

    @property
    def max_sequence_length(self) -> int:
        """Longest input the position table allows."""
        return self.max_positions - (self.position_offset + 1 if self.position_offset else 0)
