"""Minsheng's policy knowledge: dated, sourced parameters per jurisdiction, articles, and answering."""

from knowledge_base.kb import Answer, KnowledgeBase
from knowledge_base.parameters import Fact, Parameters, Source

__all__ = ["Answer", "Fact", "KnowledgeBase", "Parameters", "Source"]
