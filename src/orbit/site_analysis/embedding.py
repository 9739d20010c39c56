"""Static word embeddings (wordllama, weights shipped inside the package), loaded offline."""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

MODEL_ID = "wordllama-l2_supercat-256"
DIM = 256
Vectors = npt.NDArray[np.float32]


class EmbeddingUnavailable(RuntimeError):
    """The embedding model's files are missing from the installed package."""


class Embedder:
    """Unit-length text vectors from wordllama's 256-dimension `l2_supercat` model.

    The weights and tokenizer come from the installed `wordllama` package directory; downloads are
    disabled, so a missing file raises instead of reaching the network. (`WordLlama.load()` with
    its defaults would look for the tokenizer under `~/.cache` and download it: the package keeps it
    in `tokenizers/`, which is why the package directory is passed as the cache directory.)
    """

    def __init__(self) -> None:
        spec = importlib.util.find_spec("wordllama")
        if spec is None or spec.origin is None:
            raise EmbeddingUnavailable("the wordllama package is not installed")
        package_dir = Path(spec.origin).parent
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        try:
            from wordllama import WordLlama  # type: ignore[import-untyped]  # ships no type hints

            model = WordLlama.load(config="l2_supercat", dim=DIM, cache_dir=package_dir, disable_download=True)
        except FileNotFoundError as exc:
            raise EmbeddingUnavailable(str(exc)) from exc
        finally:
            # Importing wordllama calls logging.basicConfig(level=INFO): undo that side effect.
            for h in root.handlers[:]:
                if h not in handlers:
                    root.removeHandler(h)
            root.setLevel(level)
        self._model = model
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit-length float32 row per text (all zeros for a text with no known tokens)."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            raw = self._model.embed(list(texts), norm=False, batch_size=256)
        vectors: Vectors = np.asarray(raw, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: Vectors = (vectors / np.maximum(norms, 1e-9)).astype(np.float32)
        return unit
