"""Named transforms a mapping spec may use; `register_transform` adds more."""

from mappings.transforms.registry import (
    MappingContext,
    Step,
    TransformContext,
    get_transform,
    register_transform,
    transform_names,
)

__all__ = ["MappingContext", "Step", "TransformContext", "get_transform", "register_transform", "transform_names"]
