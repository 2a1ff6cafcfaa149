from __future__ import annotations

import pytest

from knowledge_base import KnowledgeBase


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The packaged knowledge base, as the service loads it (loaded once; ``ask`` keeps no state between questions
    that changes an answer)."""
    return KnowledgeBase.load()
