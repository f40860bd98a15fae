"""Every page of the admissions blueprint: importing this module registers them."""

from . import (  # noqa: F401 - each module adds its pages to the blueprint
    candidate_views,
    commission_views,
    pipeline_views,
    public_views,
)
from .blueprint import bp

__all__ = ["bp"]
