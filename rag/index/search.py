"""Hybrid retrieval: dense (FAISS, through llama-index) and BM25, fused by reciprocal rank."""

from __future__ import annotations

from ..types import Hit
from .lexical import analyse
from .store import Index

__all__ = ["retrieve", "rrf", "dense_search"]


def rrf(rankings: list[list[int]], k: int = 60, weights: list[float] | None = None) -> dict[int, float]:
    """Reciprocal rank fusion (Cormack et al. 2009): sum of w / (k + rank) over the rankings."""
    weights = weights or [1.0] * len(rankings)
    out: dict[int, float] = {}
    for w, ranking in zip(weights, rankings):
        for rank, i in enumerate(ranking, start=1):
            out[i] = out.get(i, 0.0) + w / (k + rank)
    return out


def dense_search(index: Index, query: str, k: int, query_vector: list[float] | None = None) -> list[tuple[int, float]]:
    from llama_index.core.schema import QueryBundle

    retriever = index.vector_index.as_retriever(similarity_top_k=min(k, len(index.passages)))
    bundle = QueryBundle(query_str=query, embedding=query_vector)
    pos = index.by_id
    return [(pos[n.node.node_id], float(n.score)) for n in retriever.retrieve(bundle) if n.node.node_id in pos]


def retrieve(index: Index, query: str, k: int = 10, depth: int = 50, rrf_k: int = 60,
             query_vector: list[float] | None = None, mode: str = "hybrid",
             weights: tuple[float, float] = (1.0, 1.0)) -> list[Hit]:
    """Top `k` passages for `query`. Each retriever contributes its top `depth` to the fusion.
    `mode` is "hybrid", "dense" or "bm25" (the latter two for measurement); `weights` weigh the dense
    and BM25 rankings in the fusion."""
    dense = dense_search(index, query, depth, query_vector) if mode in ("hybrid", "dense") else []
    lexical = index.bm25.top(analyse(query), depth) if mode in ("hybrid", "bm25") else []
    fused = rrf([[i for i, _ in dense], [i for i, _ in lexical]], k=rrf_k, weights=list(weights))
    dmap, lmap = dict(dense), dict(lexical)
    order = sorted(fused, key=lambda i: (-fused[i], i))[:k]
    return [Hit(index.passages[i], fused[i], dmap.get(i), lmap.get(i)) for i in order]
