"""Sparse and dense retrieval: score every document for a query, rank, and measure precision@k.

Sparse methods match words. TF-IDF (Salton and Buckley, 1988) weights a word by how often it
occurs in a document and how few documents hold it; BM25 (Robertson and Zaragoza, 2009, "The
Probabilistic Relevance Framework: BM25 and Beyond") saturates the count and corrects for the
document's length. Both give nothing for a query word the document lacks, however close in
meaning. Dense retrieval represents query and document each by one vector, here the mean of
their words' vectors, and compares them by cosine: close words help, but a rare word that pins
down the passage is averaged away among the common ones.

Documents and queries are lists of words (tokenize.words). All scores are (Q, N) arrays:
one row per query, one column per document.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from modules.m05_embeddings.vectors import WordVectors


@dataclass(frozen=True)
class Postings:
    """Where one word occurs: the documents holding it (int64, ascending) and its count in
    each (float64), both of shape (n,), n = the word's document frequency."""

    documents: np.ndarray
    counts: np.ndarray


@dataclass(frozen=True)
class InvertedIndex:
    """For each word its Postings; for each document its length in words, (N,) float64."""

    postings: dict[str, Postings]
    lengths: np.ndarray

    @property
    def n_documents(self) -> int:
        return len(self.lengths)

    @property
    def average_length(self) -> float:
        return float(self.lengths.mean())


def build_index(documents: Sequence[Sequence[str]]) -> InvertedIndex:
    """The inverted index of `documents`, each a list of words (provided)."""
    if not documents:
        raise ValueError("cannot index an empty list of documents")
    occurrences: dict[str, tuple[list[int], list[int]]] = {}
    for number, document in enumerate(documents):
        if isinstance(document, str):
            raise TypeError("each document must be a list of words (tokenize.words(text)), "
                            "not a str")
        for word, count in Counter(document).items():
            docs, counts = occurrences.setdefault(word, ([], []))
            docs.append(number)
            counts.append(count)
    postings = {word: Postings(np.array(docs, dtype=np.int64), np.array(counts, dtype=np.float64))
                for word, (docs, counts) in occurrences.items()}
    lengths = np.array([len(d) for d in documents], dtype=np.float64)  # (N,)
    return InvertedIndex(postings, lengths)


def tfidf_scores(index: InvertedIndex, queries: Sequence[Sequence[str]]) -> np.ndarray:
    """Cosine similarity of TF-IDF vectors, one row per query: (Q, N) float64.

    Over the words w of the index, with N documents and df(w) = the number holding w:

        idf(w) = ln(N / df(w))                          (0 for a word in every document)
        x_d[w] = tf(w, d) * idf(w)      tf = the raw count of w in document d
        x_q[w] = tf(w, q) * idf(w)      tf = the raw count of w in the query
        score(q, d) = x_q . x_d / (|x_q| |x_d|),   and 0 where |x_q| or |x_d| is 0.

    Query words that no document holds are ignored. |x_d| runs over every word of d, not
    just the query's: compute all N of them once, from the postings
    (norms_sq[p.documents] += (p.counts * idf) ** 2 for each word's postings p). Then, for
    each query, only the documents in its words' postings get a non-zero dot product.
    """
    # BEGIN SOLUTION 05.7
    n = index.n_documents
    idf = {word: math.log(n / len(p.documents)) for word, p in index.postings.items()}
    norms_sq = np.zeros(n)  # (N,) |x_d|^2
    for word, p in index.postings.items():
        norms_sq[p.documents] += (p.counts * idf[word]) ** 2
    doc_norms = np.sqrt(norms_sq)  # (N,)
    scores = np.zeros((len(queries), n))  # (Q, N)
    for row, query in enumerate(queries):
        weights = {w: tf * idf[w] for w, tf in Counter(query).items() if w in index.postings}
        query_norm = math.sqrt(sum(x * x for x in weights.values()))
        if query_norm == 0.0:
            continue
        for word, weight in weights.items():
            p = index.postings[word]
            scores[row, p.documents] += weight * p.counts * idf[word]
        scores[row] = np.divide(scores[row], query_norm * doc_norms,
                                out=np.zeros(n), where=doc_norms > 0)
    return scores
    # END SOLUTION


def bm25_scores(index: InvertedIndex, queries: Sequence[Sequence[str]], k1: float = 1.5,
                b: float = 0.75) -> np.ndarray:
    """Okapi BM25 scores, one row per query: (Q, N) float64.

    For query q and document d, with N documents, n(w) = the number of documents holding w,
    tf = the count of w in d, |d| its length in words and avgdl the mean length:

        score(q, d) = sum over the DISTINCT words w of q of
                      idf(w) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl))
        idf(w) = ln(1 + (N - n(w) + 0.5) / (n(w) + 0.5))

    This idf (Lucene's) is always positive, unlike the classic ln((N - n + 0.5) / (n + 0.5)),
    which goes negative for a word in more than half the documents. A query word no document
    holds adds nothing. k1 sets how fast repeated occurrences stop adding (k1 = 0: only
    presence counts); b how much a long document is penalised (b = 0: not at all).
    Work through the postings of each query word (one vectorised update per word).
    """
    if k1 < 0 or not 0.0 <= b <= 1.0:
        raise ValueError(f"BM25 needs k1 >= 0 and 0 <= b <= 1, got k1={k1}, b={b}")
    # BEGIN SOLUTION 05.7
    n = index.n_documents
    length_ratio = index.lengths / index.average_length  # (N,) |d| / avgdl
    scores = np.zeros((len(queries), n))  # (Q, N)
    for row, query in enumerate(queries):
        for word in set(query):
            if word not in index.postings:
                continue
            p = index.postings[word]
            idf = math.log(1.0 + (n - len(p.documents) + 0.5) / (len(p.documents) + 0.5))
            tf = p.counts  # (n(w),)
            saturation = tf * (k1 + 1) / (tf + k1 * (1 - b + b * length_ratio[p.documents]))
            scores[row, p.documents] += idf * saturation
    return scores
    # END SOLUTION


def mean_vectors(texts: Sequence[Sequence[str]], wv: WordVectors,
                 weights: Mapping[str, float] | None = None) -> np.ndarray:
    """The mean of the vectors of the words of each text that `wv` knows, (T, d) float64.

    A word counts as often as it occurs. With `weights`, the mean is weighted: word w counts
    weights[w] times (words missing from `weights` count 0), e.g. idf weights, so that "the"
    and "and" no longer dominate every mean. A text with no known word (or zero total weight)
    gets the zero vector.
    """
    out = np.zeros((len(texts), wv.dim))  # (T, d)
    for row, text in enumerate(texts):
        known = [w for w in text if w in wv.index]
        factors = np.array([1.0 if weights is None else weights.get(w, 0.0) for w in known])
        if factors.sum() > 0:
            rows = wv.vectors[[wv.index[w] for w in known]].astype(np.float64)  # (n, d)
            out[row] = factors @ rows / factors.sum()
    return out


def dense_scores(query_vectors: np.ndarray, document_vectors: np.ndarray) -> np.ndarray:
    """Cosine similarity of every query vector (Q, d) with every document vector (N, d):
    (Q, N); 0 where either vector is zero."""
    def unit(x: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(x, axis=1, keepdims=True)  # (rows, 1)
        return np.divide(x, norms, out=np.zeros_like(x, dtype=np.float64), where=norms > 0)
    return unit(query_vectors) @ unit(document_vectors).T  # (Q, N)


def rank(scores: np.ndarray) -> np.ndarray:
    """Document numbers by decreasing score, per query: (Q, N) int64. Equal scores keep the
    document order (a stable sort), so the ranking is deterministic."""
    return np.argsort(-scores, axis=1, kind="stable")


def precision_at_k(ranking: np.ndarray, relevant: set[int], k: int) -> float:
    """The fraction of the first k documents of `ranking` (N,) that are relevant."""
    if not 1 <= k <= len(ranking):
        raise ValueError(f"k must lie in [1, {len(ranking)}], got {k}")
    return sum(int(d) in relevant for d in ranking[:k]) / k


def recall_at_k(ranking: np.ndarray, relevant: set[int], k: int) -> float:
    """The fraction of the relevant documents found among the first k of `ranking` (N,)."""
    if not relevant:
        raise ValueError("recall needs at least one relevant document")
    return sum(int(d) in relevant for d in ranking[:k]) / len(relevant)


def mean_at_k(metric, rankings: np.ndarray, relevant: Sequence[set[int]], k: int) -> float:
    """The mean over queries of metric(rankings[i], relevant[i], k), e.g. precision_at_k."""
    if len(rankings) != len(relevant) or not len(relevant):
        raise ValueError(f"need one set of relevant documents per query: {len(rankings)} "
                         f"rankings, {len(relevant)} sets")
    return float(np.mean([metric(r, rel, k) for r, rel in zip(rankings, relevant, strict=True)]))
