"""The supported families, looked up by a checkpoint's ``model_type``."""

from slm_edge.errors import UnsupportedModelError
from slm_edge.models.bert import BERT
from slm_edge.models.distilbert import DISTILBERT
from slm_edge.models.family import FamilySpec
from slm_edge.models.roberta import ROBERTA

FAMILIES: tuple[FamilySpec, ...] = (BERT, ROBERTA, DISTILBERT)


def family_for_model_type(model_type: str | None, source: str = "config.json") -> FamilySpec:
    """The family that covers ``model_type``, or an error listing the supported ones."""
    for family in FAMILIES:
        if model_type in family.model_types:
            return family
    supported = ", ".join(t for f in FAMILIES for t in f.model_types)
    raise UnsupportedModelError(
        f"{source}: model_type {model_type!r} is not supported. Supported model types: {supported}."
    )


def family_by_name(name: str) -> FamilySpec:
    """The family called ``name`` (as written in a bundle manifest)."""
    for family in FAMILIES:
        if family.name == name:
            return family
    raise UnsupportedModelError(
        f"unknown family {name!r}; expected one of {', '.join(f.name for f in FAMILIES)}"
    )
