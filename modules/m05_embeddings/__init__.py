"""Module 05, word embeddings: words as vectors whose directions carry meaning. GloVe's
pre-trained vectors first (similarity, analogies, a 2-D map), then vectors learned from
TinyShakespeare (PPMI + SVD, skip-gram), then retrieval with sparse and dense representations.

    vectors.py        WordVectors; parse_glove_line (05.1), load_glove and its binary cache
    glove_files.py    where GloVe is: the fetched file, $COURSE_GLOVE_FILE, or a generated one
    similarity.py     unit_rows, cosine_similarity, top_k (05.2); nearest
    analogy.py        analogy_scores by 3CosAdd and 3CosMul (05.3); analogy, evaluate_analogies
    analogy_set.py    the analogy questions: capitals, gender, plurals, comparatives, past tense
    build_cache.py    python -m modules.m05_embeddings.build_cache: the binary cache, ahead of time
    projection.py     pca by SVD (05.4)
    tokenize.py       words: a text as lower-case word tokens
    cooccurrence.py   vocabulary, token_ids; cooccurrence_counts, ppmi, svd_embeddings (05.5)
    skipgram.py       sgns_loss and SkipGram.forward (05.6); pairs, negatives, train_skipgram
    retrieval.py      tfidf_scores, bm25_scores (05.7); dense retrieval, rank, precision_at_k
    retrieval_set.py  passages cut from TinyShakespeare, and queries with their relevant passage
    plots.py          the 2-D map, neighbour bars, the skip-gram loss, retrieval bars (provided)
"""

from modules.m05_embeddings.analogy import analogy_table, evaluate_analogies, with_total
from modules.m05_embeddings.analogy_set import analogy_questions
from modules.m05_embeddings.cooccurrence import (
    cooccurrence_counts,
    ppmi,
    svd_embeddings,
    token_ids,
    vocabulary,
)
from modules.m05_embeddings.glove_files import find_glove
from modules.m05_embeddings.projection import pca
from modules.m05_embeddings.retrieval import (
    bm25_scores,
    build_index,
    dense_scores,
    mean_at_k,
    mean_vectors,
    precision_at_k,
    rank,
    recall_at_k,
    tfidf_scores,
)
from modules.m05_embeddings.retrieval_set import retrieval_set
from modules.m05_embeddings.similarity import cosine_similarity, nearest, top_k, unit_rows
from modules.m05_embeddings.skipgram import SkipGram, SkipGramConfig, sgns_loss, train_skipgram
from modules.m05_embeddings.tokenize import words
from modules.m05_embeddings.vectors import WordVectors, load_glove, load_glove_cached

__all__ = [
    "SkipGram",
    "SkipGramConfig",
    "WordVectors",
    "analogy_questions",
    "analogy_table",
    "bm25_scores",
    "build_index",
    "cooccurrence_counts",
    "cosine_similarity",
    "dense_scores",
    "evaluate_analogies",
    "find_glove",
    "load_glove",
    "load_glove_cached",
    "mean_at_k",
    "mean_vectors",
    "nearest",
    "pca",
    "ppmi",
    "precision_at_k",
    "rank",
    "recall_at_k",
    "retrieval_set",
    "sgns_loss",
    "svd_embeddings",
    "tfidf_scores",
    "token_ids",
    "top_k",
    "train_skipgram",
    "unit_rows",
    "vocabulary",
    "with_total",
    "words",
]
