"""Module 03, bigram language model: characters as ids, a model that predicts the next character
from the one before it, by counting and by gradient descent, and how to measure it.

    vocab.py   CharVocab: characters <-> ids, saved as JSON
    data.py    check_ids, train_val_split, get_batch (random windows and their shifted targets)
    counts.py  CountBigram: pair counts, additive smoothing, NLL, perplexity, sampling
    neural.py  NeuralBigram: the same model as a (V, V) logits table trained on cross-entropy;
               train_neural_bigram, row_weighted_kl
    plots.py   the count heatmap, the training curve, the alpha sweep (provided)
"""

from modules.m03_bigram.counts import CountBigram
from modules.m03_bigram.data import check_ids, get_batch, train_val_split
from modules.m03_bigram.neural import NeuralBigram, row_weighted_kl, train_neural_bigram
from modules.m03_bigram.vocab import CharVocab

__all__ = [
    "CharVocab",
    "CountBigram",
    "NeuralBigram",
    "check_ids",
    "get_batch",
    "row_weighted_kl",
    "train_neural_bigram",
    "train_val_split",
]
