"""Self-screening: which programs a household may qualify for in a place, with reasons and sources."""

from knowledge_base.screening.engine import Screener
from knowledge_base.screening.model import (
    DISCLAIMER,
    PROGRAM_IDS,
    PROGRAM_NAMES,
    Household,
    Member,
    Result,
    Screening,
)

__all__ = ["DISCLAIMER", "PROGRAM_IDS", "PROGRAM_NAMES", "Household", "Member", "Result", "Screener", "Screening"]
