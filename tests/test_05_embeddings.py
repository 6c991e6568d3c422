"""Module 05, word embeddings: contracts of the GloVe loader and its cache, cosine similarity and
nearest neighbours, analogies (3CosAdd and 3CosMul) and their evaluation, the PCA projection,
embeddings learned from a corpus (co-occurrence counts, PPMI, truncated SVD, skip-gram with
negative sampling) and sparse retrieval (TF-IDF, BM25).

References are independent of the learner's code: GloVe files the tests write themselves from
seeded random float32 values (each written as the shortest decimal of its float64 value, so the
parsed matrix must match exactly); brute-force numpy and plain Python loops over the formulas
(pairwise cosines, a stable np.argsort for the top k, the 3CosAdd and 3CosMul objectives of Levy
and Goldberg, 2014, one word at a time, co-occurrence counts from a double loop over positions);
numpy's eigen-decomposition of the covariance matrix for PCA and numpy's own SVD for the
truncated SVD; PPMI of a 3 x 3 matrix, and TF-IDF and BM25 scores of a three-document corpus,
written out by hand as math.log expressions; the SGNS loss written with F.logsigmoid and its
gradient written by hand; small vector spaces planted by hand where the answers are known.

Tolerances: float64 computations agree to 1e-10 (1e-12 for the hand-computed corpus values),
float32 ones to 1e-6 (1e-5 for float32 embeddings against a float64 reference), PCA's
directions and coordinates to 1e-8 (a different route to the same numbers). With the real slice
of GloVe 6B 50d (its first lines, in the shared data folder) the classic analogies must come
out, and with TinyShakespeare the learned neighbours and sparse retrieval must make sense; both
are skipped when the data is absent. Tests of provided code carry no exercise marker.
"""

from __future__ import annotations

import math
import os
import warnings
from collections import Counter

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure

from modules.course.catalogue import find_module
from modules.course.corpus import STANDIN, TINYSHAKESPEARE, tinyshakespeare
from modules.course.notebook_run import execute_notebook, notebook_to_run
from modules.course.paths import REPO_ROOT
from modules.m05_embeddings import analogy as analogy_module
from modules.m05_embeddings import build_cache, glove_files
from modules.m05_embeddings import vectors as vectors_module
from modules.m05_embeddings.analogy import (
    EPS,
    CategoryResult,
    analogy,
    analogy_scores,
    analogy_table,
    evaluate_analogies,
)
from modules.m05_embeddings.analogy_set import (
    CATEGORY_PAIRS,
    AnalogyQuestion,
    analogy_questions,
)
from modules.m05_embeddings.cooccurrence import (
    OUT_OF_VOCABULARY,
    cooccurrence_counts,
    ppmi,
    svd_embeddings,
    token_ids,
    vocabulary,
)
from modules.m05_embeddings.plots import (
    plot_neighbours,
    plot_projection,
    plot_retrieval_results,
    plot_sgns_losses,
)
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
from modules.m05_embeddings.retrieval_set import (
    QUERIES,
    STANDIN_QUERIES,
    anchor_lines,
    cut_documents,
    retrieval_set,
)
from modules.m05_embeddings.similarity import (
    cosine_similarity,
    nearest,
    top_k,
    unit_rows,
)
from modules.m05_embeddings.skipgram import (
    SkipGram,
    SkipGramConfig,
    keep_probabilities,
    negative_distribution,
    sample_negatives,
    sgns_loss,
    skipgram_pairs,
    subsample,
    train_skipgram,
    word_counts,
)
from modules.m05_embeddings.tokenize import words
from modules.m05_embeddings.vectors import (
    WordVectors,
    cache_stem,
    load_glove,
    load_glove_cached,
    load_vectors,
    parse_glove_line,
    row_problem,
    save_vectors,
)

F64_TOL = 1e-10
F32_TOL = 1e-6

GLOVE_SLICE = REPO_ROOT.parent / "shared/data/glove/glove.6B.50d.first2445.txt"
needs_glove_slice = pytest.mark.skipif(not GLOVE_SLICE.is_file(),
                                       reason=f"the GloVe slice {GLOVE_SLICE} is not here")

# Words of a generated GloVe file: punctuation and non-ASCII words are words too.
GLOVE_TEST_WORDS = ["the", ",", ".", "--", "king", "queen", "café", "naïve", "x-ray", "1990"]


def glove_test_space(n_words: int, dim: int, seed: int) -> WordVectors:
    """Seeded random float32 vectors for GLOVE_TEST_WORDS followed by w10, w11, ..."""
    words = (GLOVE_TEST_WORDS + [f"w{i}" for i in range(len(GLOVE_TEST_WORDS), n_words)])
    rng = np.random.default_rng(seed)
    values = (rng.standard_normal((n_words, dim)) * 0.7).astype(np.float32)  # (V, d)
    return WordVectors(words[:n_words], values)


def write_glove_file(path, words, vectors) -> None:
    """GloVe's text format, each value as the shortest decimal that gives back its float64 value
    (which for a float32 value converts back to exactly that float32)."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for word, row in zip(words, np.asarray(vectors).tolist(), strict=True):
            f.write(word + "".join(f" {value!r}" for value in row) + "\n")


def brute_cosine(u, v) -> float:
    """cos(u, v) one number at a time; 0 when either vector is zero."""
    dot = sum(float(a) * float(b) for a, b in zip(u, v, strict=True))
    norm_u = math.sqrt(sum(float(a) ** 2 for a in u))
    norm_v = math.sqrt(sum(float(b) ** 2 for b in v))
    return dot / (norm_u * norm_v) if norm_u and norm_v else 0.0


def brute_analogy_objective(x, a, b, c, method: str) -> float:
    """Levy and Goldberg's objective for the candidate vector x, with plain Python cosines."""
    cos_a, cos_b, cos_c = brute_cosine(x, a), brute_cosine(x, b), brute_cosine(x, c)
    if method == "add":
        return cos_b - cos_a + cos_c
    return ((cos_b + 1) / 2) * ((cos_c + 1) / 2) / ((cos_a + 1) / 2 + 1e-3)


def brute_analogy_answer(wv: WordVectors, a: str, b: str, c: str, method: str,
                         exclude_queries: bool = True) -> str:
    """The best word by a loop over the vocabulary; ties go to the word listed first."""
    best, best_score = None, -math.inf
    for word in wv.words:
        if exclude_queries and word in (a, b, c):
            continue
        score = brute_analogy_objective(wv[word], wv[a], wv[b], wv[c], method)
        if score > best_score:
            best, best_score = word, score
    return best


def planted_royal_space() -> WordVectors:
    """A space in 3-D where king is man plus a small offset: king - man + woman is then closer
    to woman herself than to queen, so the query word must be excluded to find queen."""
    return WordVectors(["man", "king", "woman", "queen", "apple", "river"],
                       np.array([[2, 0, 0], [2, 0, 1], [0, 2, 0], [0, 1, 3], [0, -1, 0],
                                 [-1, 0, -1]], dtype=np.float64))


def planted_add_mul_space() -> WordVectors:
    """A space where 3CosAdd and 3CosMul give different answers to a : b :: c : ? (found by a
    search over small integer vectors; the test recomputes both answers with a loop)."""
    return WordVectors(["a", "b", "c", "x", "y"],
                       np.array([[3, -3, -3], [3, -3, 1], [3, -1, 2], [-3, 2, 2], [1, -3, 3]],
                                dtype=np.float64))


# --- provided code -------------------------------------------------------------------------------


def test_glove_row_problem_says_what_is_wrong():
    assert row_problem("king 0.1 -2e-3\n", None) == ""
    assert row_problem("king 0.1 -2e-3\n", 2) == ""
    assert "empty" in row_problem("\n", 3)
    assert "word is missing" in row_problem(" 0.1 0.2\n", 2)
    assert "no numbers" in row_problem("king\n", None)
    message = row_problem("king 0.1 abc 0.3\n", 3)
    assert "value 2" in message and "'abc'" in message and "not a number" in message
    assert "two spaces" in row_problem("king 0.1  0.3\n", 3)
    message = row_problem("king 0.1 0.2\n", 3)
    assert "2 values" in message and "have 3" in message


def test_load_glove_rejects_a_bad_limit_and_a_missing_file(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("a 1 2\n")
    for limit in (0, -3, 2.5, "10", True):
        with pytest.raises(ValueError, match="limit"):
            load_glove(path, limit=limit, progress=False)
    with pytest.raises(FileNotFoundError, match="find_glove"):
        load_glove(tmp_path / "missing.txt", progress=False)
    with pytest.raises(FileNotFoundError, match="find_glove"):
        load_glove_cached(tmp_path / "missing.txt", cache_dir=tmp_path, progress=False)


def test_save_vectors_and_load_vectors_round_trip_exactly(tmp_path):
    wv = glove_test_space(40, 7, seed=1)
    wv = WordVectors([*wv.words[:-1], "\\x96"], wv.vectors)  # how load_glove keeps a bad byte
    stem = tmp_path / "cache" / "vectors"
    save_vectors(wv, stem)
    assert sorted(p.name for p in stem.parent.iterdir()) == ["vectors.npy", "vectors.words.txt"]
    again = load_vectors(stem)
    assert again.words == wv.words
    assert again.vectors.dtype == np.float32 and np.array_equal(again.vectors, wv.vectors)
    with pytest.raises(ValueError, match="newline"):
        save_vectors(WordVectors(["a\nb"], np.zeros((1, 2), np.float32)), tmp_path / "bad")


def test_cache_stem_depends_on_the_file_and_the_limit(tmp_path):
    assert cache_stem(tmp_path / "glove.6B.50d.txt", None, tmp_path) == tmp_path / "glove.6B.50d"
    assert cache_stem("glove.6B.50d.txt", 1000, tmp_path) == tmp_path / "glove.6B.50d.first1000"
    assert cache_stem("x.txt").parent == glove_files.GLOVE_DIR


def test_analogy_set_has_five_categories_of_distinct_common_words():
    questions = analogy_questions()
    assert list(CATEGORY_PAIRS) == ["capitals", "gender", "plurals", "comparatives", "past tense"]
    assert len(set(questions)) == len(questions)
    for category, pairs in CATEGORY_PAIRS.items():
        asked = [q for q in questions if q.category == category]
        assert 15 <= len(asked) <= 30
        assert len(asked) == len(pairs) * (len(pairs) - 1)  # every ordered pair of two pairs
        for q in asked:
            assert len({q.a, q.b, q.c, q.d}) == 4
            assert (q.a, q.b) in pairs and (q.c, q.d) in pairs
    assert str(AnalogyQuestion("gender", "king", "queen", "man", "woman")) == \
        "king : queen :: man : woman"


def test_find_glove_prefers_the_real_file_then_the_variable_then_a_generated_file(
        tmp_path, monkeypatch):
    monkeypatch.setattr(glove_files, "GLOVE_DIR", tmp_path / "glove")
    monkeypatch.delenv(glove_files.GLOVE_FILE_VARIABLE, raising=False)
    path, description = glove_files.find_glove()
    assert path == tmp_path / "glove" / "generated-50d.txt" and path.is_file()
    assert "GENERATED" in description and "./datasets.sh --tiny glove" in description
    written = path.stat().st_mtime_ns
    assert glove_files.find_glove()[0] == path and path.stat().st_mtime_ns == written  # once
    assert [p.name for p in path.parent.iterdir()] == ["generated-50d.txt"]  # no temp files

    named = tmp_path / "mine.txt"
    named.write_text("a 1 2\n")
    monkeypatch.setenv(glove_files.GLOVE_FILE_VARIABLE, str(named))
    path, description = glove_files.find_glove()
    assert path == named and glove_files.GLOVE_FILE_VARIABLE in description
    monkeypatch.setenv(glove_files.GLOVE_FILE_VARIABLE, str(tmp_path / "nowhere.txt"))
    with pytest.raises(FileNotFoundError, match=glove_files.GLOVE_FILE_VARIABLE):
        glove_files.find_glove()

    real = tmp_path / "glove" / "glove.6B.50d.txt"
    real.write_text("a 1 2\n")
    path, description = glove_files.find_glove()
    assert path == real and "real" in description
    with pytest.raises(ValueError, match="dimensions"):
        glove_files.find_glove(dim=64)


def test_generated_glove_file_has_the_planted_structure(tmp_path):
    path = tmp_path / "generated.txt"
    glove_files.write_generated_glove(path, dim=50, seed=0)
    rows = [line.split(" ") for line in path.read_text(encoding="utf-8").splitlines()]
    words = [row[0] for row in rows]
    matrix = np.array([[float(v) for v in row[1:]] for row in rows])  # (V, 50)
    assert matrix.shape == (len(words), 50) and len(set(words)) == len(words) >= 200
    assert {w for pairs in CATEGORY_PAIRS.values() for pair in pairs for w in pair} <= set(words)
    unit = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    row = {word: i for i, word in enumerate(words)}

    def best(target, leave_out):
        scores = unit @ (target / np.linalg.norm(target))
        scores[[row[w] for w in leave_out]] = -np.inf
        return words[int(np.argmax(scores))]

    v = {word: matrix[row[word]] for word in words}
    assert best(v["king"] - v["man"] + v["woman"], ["king", "man", "woman"]) == "queen"
    assert best(v["paris"] - v["france"] + v["japan"], ["paris", "france", "japan"]) == "tokyo"
    assert best(v["monday"], ["monday"]) in glove_files.TOPICS["days"].split()


def test_similarity_and_analogy_functions_reject_bad_input():
    wv = planted_royal_space()
    with pytest.raises(ValueError, match="same dimension"):
        cosine_similarity(np.ones(3), np.ones((4, 2)))
    with pytest.raises(ValueError, match="one vector"):
        cosine_similarity(np.ones((2, 2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="between 1"):
        top_k(np.arange(5.0), 0)
    with pytest.raises(ValueError, match="between 1"):
        top_k(np.arange(5.0), 6)
    with pytest.raises(ValueError, match="one row"):
        top_k(np.ones((2, 3)), 1)
    with pytest.raises(ValueError, match="NaN"):
        top_k(np.array([1.0, np.nan]), 1)
    with pytest.raises(KeyError, match="emperor"):
        nearest(wv, "emperor")
    with pytest.raises(KeyError, match="pear"):
        nearest(wv, "king", exclude=["pear"])
    with pytest.raises(ValueError, match="shape"):
        nearest(wv, np.ones(4))
    with pytest.raises(KeyError, match="emperor"):
        analogy(wv, "man", "emperor", "woman")
    with pytest.raises(ValueError, match="method"):
        analogy_scores(np.eye(3), np.array([[0, 1, 2]]), method="sub")
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        analogy_scores(np.eye(3), np.array([[0, 1]]))
    with pytest.raises(ValueError, match="lie in"):
        analogy_scores(np.eye(3), np.array([[0, 1, 3]]))
    with pytest.raises(ValueError, match="method"):
        evaluate_analogies(wv, [], method="sub")
    with pytest.raises(ValueError, match="at least 2 rows"):
        pca(np.ones((1, 3)))
    with pytest.raises(ValueError, match="n_components"):
        pca(np.arange(6.0).reshape(3, 2), n_components=3)
    with pytest.raises(ValueError, match="no variance"):
        pca(np.ones((4, 3)))


def test_category_results_and_the_analogy_table():
    assert math.isnan(CategoryResult().accuracy)
    add = {"gender": CategoryResult(3, 4, 1), "plurals": CategoryResult(0, 2, 0)}
    mul = {"gender": CategoryResult(4, 4, 1), "plurals": CategoryResult(1, 2, 0)}
    assert add["gender"].accuracy == 0.75
    table = analogy_table({"3CosAdd": add, "3CosMul": mul}).splitlines()
    assert table[0] == "| category | answered | skipped | 3CosAdd | 3CosMul |"
    assert table[2] == "| gender | 4 | 1 | 3/4 = 75% | 4/4 = 100% |"
    assert table[-1] == "| all | 6 | 1 | 3/6 = 50% | 5/6 = 83% |"


# --- 05.1 parsing the GloVe text format ----------------------------------------------------------


@pytest.mark.exercise("05.1")
def test_05_1_parse_glove_line_by_hand():
    word, vector = parse_glove_line("king 0.5 -1.25 3e-2 0\n")
    assert word == "king"
    assert vector.dtype == np.float32 and vector.shape == (4,)
    assert vector.tolist() == [0.5, -1.25, np.float32(0.03), 0.0]
    assert parse_glove_line(", 1.5 2\n")[0] == ","  # punctuation is a word
    word, vector = parse_glove_line("café -0.75 2.0\r\n")  # a Windows line ending
    assert word == "café" and vector.tolist() == [-0.75, 2.0]
    assert parse_glove_line("last 1 2")[1].tolist() == [1.0, 2.0]  # no newline at the end
    with pytest.raises(ValueError):
        parse_glove_line("king 0.5 abc\n")


@pytest.mark.exercise("05.1")
def test_05_1_load_glove_round_trips_a_generated_file_exactly(tmp_path):
    wv = glove_test_space(300, 20, seed=0)
    path = tmp_path / "vectors.txt"
    write_glove_file(path, wv.words, wv.vectors)
    loaded = load_glove(path, progress=False)
    assert loaded.words == wv.words
    assert loaded.vectors.dtype == np.float32 and loaded.vectors.shape == (300, 20)
    assert np.array_equal(loaded.vectors, wv.vectors)
    assert loaded.index["café"] == wv.words.index("café") and loaded.dim == 20


@pytest.mark.exercise("05.1")
def test_05_1_load_glove_limit_keeps_the_first_words(tmp_path):
    wv = glove_test_space(50, 6, seed=2)
    path = tmp_path / "vectors.txt"
    write_glove_file(path, wv.words, wv.vectors)
    first = load_glove(path, limit=12, progress=False)
    assert first.words == wv.words[:12] and np.array_equal(first.vectors, wv.vectors[:12])
    assert len(load_glove(path, limit=1000, progress=False)) == 50  # fewer lines than the limit


@pytest.mark.exercise("05.1")
def test_05_1_load_glove_names_the_line_of_a_malformed_row(tmp_path):
    good = "the 0.1 0.2 0.3\nof 0.4 0.5 0.6\n"
    cases = {"not a number": good + "and 0.7 oops 0.9\n",
             "2 values, but the rows above have 3": good + "to 0.7 0.8\n",
             "empty": good + "\n"}
    for problem, text in cases.items():
        path = tmp_path / "bad.txt"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError) as error:
            load_glove(path, progress=False)
        message = str(error.value)
        assert "bad.txt" in message and "line 3" in message and problem in message, message
        assert len(load_glove(path, limit=2, progress=False)) == 2  # the good lines load


@pytest.mark.exercise("05.1")
def test_05_1_load_glove_rejects_a_file_with_inconsistent_dimensions(tmp_path):
    path = tmp_path / "dims.txt"
    path.write_text("a 1 2 3 4\nb 5 6 7 8\nc 1 2 3 4 5\n")
    with pytest.raises(ValueError, match=r"dims.txt, line 3: 'c' has 5 values, but the rows "
                                         r"above have 4"):
        load_glove(path, progress=False)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(ValueError, match="empty"):
        load_glove(empty, progress=False)


@pytest.mark.exercise("05.1")
def test_05_1_load_glove_keeps_bytes_that_are_not_utf8_and_a_last_line_without_newline(
        tmp_path):
    path = tmp_path / "bytes.txt"
    path.write_bytes("caf\u00e9 1 2\n".encode() + b"\x96 3 4\n\x92s 5 6")
    wv = load_glove(path, progress=False)
    assert wv.words == ["café", "\\x96", "\\x92s"]
    assert wv.vectors.tolist() == [[1, 2], [3, 4], [5, 6]]


@pytest.mark.exercise("05.1")
def test_05_1_cache_round_trips_and_is_rebuilt_when_the_source_changes(tmp_path, monkeypatch):
    wv = glove_test_space(60, 8, seed=3)
    path, cache = tmp_path / "vectors.txt", tmp_path / "cache"
    write_glove_file(path, wv.words, wv.vectors)
    first = load_glove_cached(path, cache_dir=cache, progress=False)
    assert first.words == wv.words and np.array_equal(first.vectors, wv.vectors)
    assert sorted(p.name for p in cache.iterdir()) == \
        ["vectors.npy", "vectors.source.json", "vectors.words.txt"]

    parses = []
    real_load_glove = vectors_module.load_glove

    def counting_load_glove(*args, **kwargs):
        parses.append(args)
        return real_load_glove(*args, **kwargs)

    monkeypatch.setattr(vectors_module, "load_glove", counting_load_glove)
    again = load_glove_cached(path, cache_dir=cache, progress=False)
    assert parses == [] and again.words == wv.words
    assert again.vectors.dtype == np.float32 and np.array_equal(again.vectors, wv.vectors)

    limited = load_glove_cached(path, limit=10, cache_dir=cache, progress=False)  # another limit
    assert len(parses) == 1 and limited.words == wv.words[:10]

    changed = glove_test_space(60, 8, seed=4)  # same words and size class, other values
    write_glove_file(path, changed.words, changed.vectors)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    reloaded = load_glove_cached(path, cache_dir=cache, progress=False)
    assert len(parses) == 2 and np.array_equal(reloaded.vectors, changed.vectors)
    assert len(load_glove_cached(path, cache_dir=cache, progress=False)) == 60
    assert len(parses) == 2  # the rewritten cache is used again

    (cache / "vectors.npy").write_bytes(b"not an array")  # a damaged cache is rebuilt
    assert np.array_equal(load_glove_cached(path, cache_dir=cache, progress=False).vectors,
                          changed.vectors)
    assert len(parses) == 3


@pytest.mark.exercise("05.1")
def test_05_1_build_cache_writes_the_cache_and_reports_it(tmp_path, monkeypatch, capsys):
    wv = glove_test_space(30, 6, seed=5)
    source = tmp_path / "vectors.txt"
    write_glove_file(source, wv.words, wv.vectors)
    monkeypatch.setattr(vectors_module, "GLOVE_DIR", tmp_path / "cache")
    assert build_cache.main([str(source), "--limit", "20"]) == 0
    assert "20 words of 6 dimensions" in capsys.readouterr().out
    cached = load_vectors(tmp_path / "cache" / "vectors.first20")
    assert cached.words == wv.words[:20]
    np.testing.assert_array_equal(cached.vectors, wv.vectors[:20])
    assert build_cache.main([str(tmp_path / "missing.txt")]) == 1
    assert "missing.txt is not a file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_cache.main([str(source), "--limit", "0"])
    assert "at least 1, got '0'" in capsys.readouterr().err


@pytest.mark.exercise("05.1")
@needs_glove_slice
def test_05_1_loads_the_real_glove_slice():
    data = GLOVE_SLICE.read_bytes()
    n_lines = data.count(b"\n") + (not data.endswith(b"\n"))  # the last line may lack "\n"
    wv = load_glove(GLOVE_SLICE, progress=False)
    assert len(wv) == n_lines and n_lines >= 2445 and wv.dim == 50
    assert wv.words[:3] == ["the", ",", "."]
    assert wv["the"][:3].tolist() == np.array([0.418, 0.24968, -0.41242], np.float32).tolist()


# --- 05.2 cosine similarity and nearest neighbours -----------------------------------------------


@pytest.mark.exercise("05.2")
def test_05_2_cosine_similarity_matches_brute_force():
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((6, 5)), rng.standard_normal((4, 5))
    a[2] = 0.0  # a zero vector: cosine 0 with everything
    got = cosine_similarity(a, b)
    want = np.array([[brute_cosine(u, v) for v in b] for u in a])
    assert got.shape == (6, 4)
    np.testing.assert_allclose(got, want, rtol=0, atol=F64_TOL)
    np.testing.assert_allclose(cosine_similarity(a[1], b), want[1], rtol=0, atol=F64_TOL)
    np.testing.assert_allclose(cosine_similarity(a, b[3]), want[:, 3], rtol=0, atol=F64_TOL)
    assert np.ndim(cosine_similarity(a[0], b[0])) == 0
    assert cosine_similarity(a[0], b[0]) == pytest.approx(want[0, 0], abs=F64_TOL)
    got32 = cosine_similarity(a.astype(np.float32), b.astype(np.float32))
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, want, rtol=0, atol=F32_TOL)
    lengths = np.linalg.norm(unit_rows(a), axis=1)
    np.testing.assert_allclose(lengths, [1, 1, 0, 1, 1, 1], rtol=0, atol=F64_TOL)


@pytest.mark.exercise("05.2")
def test_05_2_top_k_matches_a_stable_argsort_with_ties():
    rng = np.random.default_rng(6)
    scores = rng.integers(0, 6, size=40).astype(np.float64)  # many ties
    scores[[3, 17]] = -np.inf
    want_order = np.argsort(-scores, kind="stable")  # score descending, then index ascending
    for k in range(1, 41):
        assert top_k(scores, k).tolist() == want_order[:k].tolist(), f"k={k}"
    floats = rng.standard_normal(1000).astype(np.float32)
    assert top_k(floats, 7).tolist() == np.argsort(-floats, kind="stable")[:7].tolist()


@pytest.mark.exercise("05.2")
def test_05_2_nearest_matches_brute_force_with_exclusion_and_ties():
    wv = glove_test_space(120, 10, seed=7)
    wv.vectors[50] = wv.vectors[8] * 2.0  # same direction as "x-ray": a tie with each other
    cos = np.array([brute_cosine(wv["king"], v) for v in wv.vectors])  # (V,)
    for exclude in ([], ["queen", "w50"]):
        got = nearest(wv, "king", k=15, exclude=exclude)
        left_out = {"king", *exclude}
        order = [i for i in np.argsort(-cos, kind="stable") if wv.words[i] not in left_out]
        assert [w for w, _ in got] == [wv.words[i] for i in order[:15]]
        np.testing.assert_allclose([c for _, c in got], cos[order[:15]], rtol=0, atol=F32_TOL)
    query = wv["x-ray"]
    got = nearest(wv, query, k=3)  # a vector: the word itself is not left out
    assert [w for w, _ in got][:2] == ["x-ray", "w50"]  # the tie, in vocabulary order
    assert got[0][1] == pytest.approx(1.0, abs=F32_TOL)
    assert len(nearest(wv, "king", k=500)) == 119  # everything but the query word


# --- 05.3 analogies ------------------------------------------------------------------------------


@pytest.mark.exercise("05.3")
@pytest.mark.parametrize("method", ["add", "mul"])
def test_05_3_analogy_scores_match_a_loop_over_the_formula(method):
    rng = np.random.default_rng(8)
    vectors = rng.standard_normal((25, 6))
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    questions = np.array([[0, 1, 2], [5, 3, 24], [7, 7, 9], [10, 4, 11]])
    got = analogy_scores(unit, questions, method)
    assert got.shape == (4, 25)
    for i, (a, b, c) in enumerate(questions):
        for x in range(25):
            if x in (a, b, c):
                assert got[i, x] == -np.inf, (i, x)
            else:
                want = brute_analogy_objective(vectors[x], vectors[a], vectors[b], vectors[c],
                                               method)
                assert got[i, x] == pytest.approx(want, abs=F64_TOL), (i, x)
    assert EPS == 1e-3


@pytest.mark.exercise("05.3")
@pytest.mark.parametrize("method", ["add", "mul"])
def test_05_3_analogy_excludes_the_query_words(method):
    wv = planted_royal_space()
    # the best word of all is "woman", a query word: it must not be the answer
    assert brute_analogy_answer(wv, "man", "king", "woman", method, exclude_queries=False) \
        == "woman"
    want = brute_analogy_answer(wv, "man", "king", "woman", method)
    assert want == "queen"
    got = analogy(wv, "man", "king", "woman", k=3, method=method)
    assert [word for word, _ in got][0] == want
    assert not {"man", "king", "woman"} & {word for word, _ in got}
    want_score = brute_analogy_objective(wv["queen"], wv["man"], wv["king"], wv["woman"], method)
    assert got[0][1] == pytest.approx(want_score, abs=F32_TOL)


@pytest.mark.exercise("05.3")
def test_05_3_3cosadd_and_3cosmul_can_disagree():
    wv = planted_add_mul_space()
    want_add = brute_analogy_answer(wv, "a", "b", "c", "add")
    want_mul = brute_analogy_answer(wv, "a", "b", "c", "mul")
    assert want_add != want_mul  # the space was chosen for this
    assert analogy(wv, "a", "b", "c", method="add")[0][0] == want_add
    assert analogy(wv, "a", "b", "c", method="mul")[0][0] == want_mul


@pytest.mark.exercise("05.3")
@pytest.mark.parametrize("method", ["add", "mul"])
def test_05_3_evaluate_analogies_counts_right_wrong_and_skipped(method, monkeypatch):
    wv = glove_test_space(60, 5, seed=9)
    rng = np.random.default_rng(10)
    known = wv.words
    questions = [AnalogyQuestion(category, *map(str, rng.choice(known, size=4, replace=False)))
                 for category in ("one", "two") for _ in range(12)]
    questions += [AnalogyQuestion("one", "king", "queen", "emperor", "empress"),
                  AnalogyQuestion("three", "notaword", "the", ",", ".")]
    expected = {}
    for q in questions:
        result = expected.setdefault(q.category, CategoryResult())
        if not all(word in wv for word in (q.a, q.b, q.c, q.d)):
            result.skipped += 1
            continue
        result.answered += 1
        result.correct += brute_analogy_answer(wv, q.a, q.b, q.c, method) == q.d
    # make some questions right on purpose: ask for what the loop answers
    for i in range(0, 24, 3):
        q = questions[i]
        questions[i] = q._replace(d=brute_analogy_answer(wv, q.a, q.b, q.c, method))
        expected[q.category].correct += q.d != questions[i].d
    for max_scores in (analogy_module.MAX_SCORES, 2 * len(wv)):  # one batch; batches of two
        monkeypatch.setattr(analogy_module, "MAX_SCORES", max_scores)
        got = evaluate_analogies(wv, questions, method)
        assert list(got) == ["one", "two", "three"]
        for category, want in expected.items():
            assert (got[category].correct, got[category].answered, got[category].skipped) == \
                (want.correct, want.answered, want.skipped), category
            assert len(got[category].mistakes) == want.answered - want.correct
        assert got["one"].skipped == 1 and got["three"].answered == 0


@pytest.mark.exercise("05.1", "05.3")
@needs_glove_slice
@pytest.mark.parametrize("method", ["add", "mul"])
def test_05_3_real_glove_king_man_woman_and_paris_france_japan(method):
    wv = load_glove(GLOVE_SLICE, progress=False)
    top5 = [word for word, _ in analogy(wv, "man", "king", "woman", k=5, method=method)]
    assert "queen" in top5, top5
    assert analogy(wv, "france", "paris", "japan", method=method)[0][0] == "tokyo"


# --- 05.4 the 2-D projection ---------------------------------------------------------------------


def eigen_reference(x: np.ndarray, k: int):
    """Coordinates, directions and explained-variance ratios from np.linalg.eigh of the
    covariance matrix, each direction signed so its largest-magnitude entry is positive."""
    centred = x - x.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(x, rowvar=False))  # ascending eigenvalues
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]  # (d,), (d, d): columns are directions
    directions = vectors[:, :k].T  # (k, d)
    for direction in directions:
        direction *= np.sign(direction[np.argmax(np.abs(direction))])
    return centred @ directions.T, directions, values[:k] / values.sum()


@pytest.mark.exercise("05.4")
@pytest.mark.parametrize("k", [1, 2, 3])
def test_05_4_pca_matches_the_eigenvectors_of_the_covariance(k):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((40, 6)) @ rng.standard_normal((6, 6)) + 5.0  # correlated, off 0
    got = pca(x, n_components=k)
    coords, directions, ratios = eigen_reference(x, k)
    assert got.coords.shape == (40, k) and got.components.shape == (k, 6)
    np.testing.assert_allclose(got.components, directions, rtol=0, atol=1e-8)
    np.testing.assert_allclose(got.coords, coords, rtol=0, atol=1e-8)
    np.testing.assert_allclose(got.explained_variance_ratio, ratios, rtol=0, atol=F64_TOL)


@pytest.mark.exercise("05.4")
def test_05_4_pca_signs_are_fixed_and_float32_input_works():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((30, 5)) * [5, 3, 2, 1, 0.5]
    got, flipped = pca(x), pca(-x)  # the same directions: only the data changed sign
    np.testing.assert_allclose(flipped.components, got.components, rtol=0, atol=1e-10)
    np.testing.assert_allclose(flipped.coords, -got.coords, rtol=0, atol=1e-10)
    largest = np.abs(got.components).argmax(axis=1)
    assert (got.components[[0, 1], largest] > 0).all()
    np.testing.assert_allclose(np.linalg.norm(got.components, axis=1), 1.0, rtol=0, atol=1e-12)
    single = pca(x.astype(np.float32))
    np.testing.assert_allclose(single.coords, got.coords, rtol=0, atol=1e-4)


@pytest.mark.exercise("05.4")
def test_05_4_plot_projection_labels_every_word_and_draws_the_pairs():
    wv = glove_test_space(30, 8, seed=13)
    ax = Figure().add_subplot()
    plot_projection(ax, wv, ["king", "queen", "the", ",", "café"], pairs=[("king", "queen")])
    labels = [t.get_text() for t in ax.texts]
    assert sorted(label for label in labels if label) == [",", "café", "king", "queen", "the"]
    assert len([label for label in labels if not label]) == 1  # one arrow
    assert "of the variance" in ax.get_xlabel()
    with pytest.raises(ValueError, match="among"):
        plot_projection(ax, wv, ["king", "the"], pairs=[("king", "queen")])


@pytest.mark.exercise("05.2")
def test_05_2_plot_neighbours_draws_one_bar_per_neighbour():
    wv = glove_test_space(30, 8, seed=14)
    ax = Figure().add_subplot()
    plot_neighbours(ax, wv, "king", k=6)
    assert len(ax.patches) == 6
    want = [w for w, _ in nearest(wv, "king", k=6)]
    assert [t.get_text() for t in ax.get_yticklabels()] == want


# --- embeddings learned from a corpus, and retrieval ----------------------------------------------


CORPUS_EXACT = 1e-12  # float64 against a hand-computed value
CORPUS_FLOAT32 = 1e-5  # float32 embeddings against a float64 reference
needs_tinyshakespeare = pytest.mark.skipif(
    not TINYSHAKESPEARE.is_file(), reason="TinyShakespeare is missing: ./datasets.sh --tiny "
                                          "tinyshakespeare")


def corpus_gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def corpus_cosine_matrix(vectors: np.ndarray) -> np.ndarray:
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)  # (V, d)
    return unit @ unit.T  # (V, V)


def corpus_nearest(wv: WordVectors, word: str, k: int) -> list[str]:
    """Brute force: the k words of highest cosine with `word`, itself left out."""
    sims = corpus_cosine_matrix(wv.vectors.astype(np.float64))[wv.index[word]]  # (V,)
    order = [i for i in np.argsort(-sims, kind="stable") if i != wv.index[word]]
    return [wv.words[i] for i in order[:k]]


def corpus_counts_by_loop(ids: list[int], vocab_size: int, window: int) -> np.ndarray:
    counts = np.zeros((vocab_size, vocab_size))
    for s, i in enumerate(ids):
        for t, j in enumerate(ids):
            if 1 <= abs(s - t) <= window and i >= 0 and j >= 0:
                counts[i, j] += 1
    return counts


# Three documents and the statistics every hand computation below uses:
# N = 3; df: rose 2, red 3, sky 1, night 2, moon 1; lengths 3, 4, 5, so avgdl = 4.
CORPUS_TOY_DOCS = [["rose", "red", "rose"], ["red", "sky", "night", "sky"],
                   ["night", "red", "rose", "moon", "moon"]]


# --- provided code ------------------------------------------------------------------------------


def test_words_lowercase_and_keep_elisions_whole():
    assert words("'Tis ne'er O'er-proud, my lord's: 'Good'") == \
        ["'tis", "ne'er", "o'er", "proud", "my", "lord's", "good"]
    assert words("I' the midst o' the body; 'twixt is't 'twas highness' 'tissue 3 men") == \
        ["i", "the", "midst", "o", "the", "body", "'twixt", "is't", "'twas", "highness",
         "tissue", "men"]
    assert words("") == []
    with pytest.raises(TypeError):
        words(["a list"])


def test_vocabulary_is_most_frequent_first_with_ties_alphabetical():
    tokens = ["b", "a", "c", "a", "b", "d", "a", "e"]
    assert vocabulary(tokens) == ["a", "b", "c", "d", "e"]
    assert vocabulary(tokens, min_count=2) == ["a", "b"]
    assert vocabulary(tokens, max_size=3) == ["a", "b", "c"]
    with pytest.raises(ValueError, match="min_count"):
        vocabulary(tokens, min_count=9)


def test_token_ids_mark_words_outside_the_vocabulary():
    ids = token_ids(["the", "cat", "saw", "the", "dog"], ["the", "dog"])
    assert ids.tolist() == [0, OUT_OF_VOCABULARY, OUT_OF_VOCABULARY, 0, 1]
    assert ids.dtype == np.int64


def test_corpus_functions_reject_bad_input_before_any_work():
    with pytest.raises(ValueError, match="window"):
        cooccurrence_counts(np.array([0, 1]), 2, window=0)
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        cooccurrence_counts(np.array([0, 5]), 2)
    with pytest.raises(ValueError, match="alpha"):
        ppmi(np.ones((2, 2)), alpha=0.0)
    with pytest.raises(ValueError, match="non-negative"):
        ppmi(-np.ones((2, 2)))
    with pytest.raises(ValueError, match="dim"):
        svd_embeddings(np.ones((3, 3)), ["a", "b", "c"], dim=4)
    with pytest.raises(ValueError, match="3 words"):
        svd_embeddings(np.ones((2, 3)), ["a", "b", "c"], dim=1)
    with pytest.raises(ValueError, match="v_center"):
        sgns_loss(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2, 4, 2))
    with pytest.raises(ValueError, match="k1"):
        bm25_scores(build_index(CORPUS_TOY_DOCS), [["rose"]], b=1.5)
    with pytest.raises(ValueError, match="window"):
        SkipGramConfig(window=0)


def test_skipgram_pairs_are_every_pair_within_the_window_both_ways():
    ids = torch.tensor([4, 7, 1, 9, 3])
    centers, contexts = skipgram_pairs(ids, window=2)
    want = Counter((ids[s].item(), ids[t].item()) for s in range(5) for t in range(5)
                   if 1 <= abs(s - t) <= 2)
    assert Counter(zip(centers.tolist(), contexts.tolist(), strict=True)) == want
    assert len(centers) == 2 * (4 + 3)
    with pytest.raises(ValueError, match="no pair"):
        skipgram_pairs(torch.tensor([1]), window=2)


def test_subsampling_keeps_rare_words_and_thins_frequent_ones_reproducibly():
    counts = torch.tensor([900.0, 90.0, 10.0, 0.0])
    keep = keep_probabilities(counts, t=0.01)
    want = [math.sqrt(0.01 / 0.9), math.sqrt(0.01 / 0.09), 1.0, 1.0]
    torch.testing.assert_close(keep, torch.tensor(want, dtype=torch.float64))
    ids = torch.tensor([0] * 900 + [1] * 90 + [2] * 10)
    kept = subsample(ids, keep, corpus_gen(0))
    assert torch.equal(kept, subsample(ids, keep, corpus_gen(0)))
    assert (kept == 2).sum() == 10  # kept with probability 1
    assert abs((kept == 0).sum().item() - 900 * want[0]) < 4 * math.sqrt(900 * want[0])
    assert word_counts(ids, 4).tolist() == [900.0, 90.0, 10.0, 0.0]


def test_negatives_follow_the_unigram_distribution_to_the_three_quarters():
    counts = torch.tensor([81.0, 16.0, 1.0, 0.0])
    dist = negative_distribution(counts)
    want = torch.tensor([27.0, 8.0, 1.0, 0.0], dtype=torch.float64) / 36.0  # c ** 0.75
    torch.testing.assert_close(dist, want)
    draws = sample_negatives(dist, 2000, 5, corpus_gen(1))
    assert draws.shape == (2000, 5) and draws.dtype == torch.int64
    assert torch.equal(draws, sample_negatives(dist, 2000, 5, corpus_gen(1)))
    freq = torch.bincount(draws.flatten(), minlength=4).double() / draws.numel()
    assert freq[3] == 0 and torch.allclose(freq, want, atol=0.02)


def test_skipgram_model_starts_like_word2vec():
    model = SkipGram(30, 8, corpus_gen(0))
    center, context = model.center.weight, model.context.weight
    assert center.shape == context.shape == (30, 8)
    assert center.abs().max() <= 0.5 / 8 and center.std() > 0.01
    assert torch.equal(context, torch.zeros(30, 8))
    assert torch.equal(center, SkipGram(30, 8, corpus_gen(0)).center.weight)


def test_inverted_index_postings_and_lengths():
    index = build_index(CORPUS_TOY_DOCS)
    assert index.n_documents == 3 and index.average_length == 4.0
    assert index.lengths.tolist() == [3.0, 4.0, 5.0]
    assert index.postings["rose"].documents.tolist() == [0, 2]
    assert index.postings["rose"].counts.tolist() == [2.0, 1.0]
    assert index.postings["red"].documents.tolist() == [0, 1, 2]
    with pytest.raises(TypeError, match="list of words"):
        build_index(["a whole string"])


def test_mean_vectors_and_dense_cosine_by_hand():
    wv = WordVectors(["a", "b", "c"], np.array([[1, 0], [0, 2], [3, 4]], dtype=np.float32))
    means = mean_vectors([["a", "b", "b", "zzz"], ["zzz"], ["c"]], wv)
    np.testing.assert_allclose(means, [[1 / 3, 4 / 3], [0, 0], [3, 4]], rtol=CORPUS_EXACT)
    weighted = mean_vectors([["a", "b", "c"]], wv, weights={"a": 3.0, "c": 1.0})
    np.testing.assert_allclose(weighted, [[6 / 4, 4 / 4]], rtol=CORPUS_EXACT)
    scores = dense_scores(np.array([[1.0, 0.0], [0.0, 0.0]]), means)
    np.testing.assert_allclose(scores, [[(1 / 3) / math.hypot(1 / 3, 4 / 3), 0.0, 3 / 5],
                                        [0.0, 0.0, 0.0]], rtol=CORPUS_EXACT)


def test_ranking_is_by_decreasing_score_with_ties_in_document_order():
    scores = np.array([[0.1, 0.5, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0]])
    assert rank(scores).tolist() == [[1, 2, 0, 3], [0, 1, 2, 3]]


def test_precision_and_recall_at_k_by_hand():
    ranking = np.array([3, 0, 2, 1])
    assert precision_at_k(ranking, {0, 1}, 1) == 0.0
    assert precision_at_k(ranking, {0, 1}, 2) == 0.5
    assert precision_at_k(ranking, {0, 1}, 4) == 0.5
    assert recall_at_k(ranking, {0, 1}, 2) == 0.5
    assert recall_at_k(ranking, {0, 1}, 4) == 1.0
    rankings = np.array([[3, 0, 2, 1], [0, 1, 2, 3]])
    assert mean_at_k(precision_at_k, rankings, [{0}, {0}], 1) == 0.5
    assert mean_at_k(precision_at_k, rankings, [{0}, {0}], 2) == 0.5
    with pytest.raises(ValueError, match="k must"):
        precision_at_k(ranking, {0}, 5)
    with pytest.raises(ValueError, match="one set"):
        mean_at_k(precision_at_k, rankings, [{0}], 1)


def test_documents_are_whole_speeches_merged_to_a_minimum_length():
    text = "A:\none two\n\nB:\nthree four five\n\n\nC:\nsix\n\nD:\nseven eight nine ten\n"
    docs = cut_documents(text, min_words=5)
    assert [(d.first_line, d.last_line) for d in docs] == [(0, 4), (7, 11)]
    assert docs[0].text == "A:\none two\nB:\nthree four five"
    assert docs[1].text == "C:\nsix\nD:\nseven eight nine ten"
    assert [d.text for d in cut_documents(text, min_words=1)] == \
        ["A:\none two", "B:\nthree four five", "C:\nsix", "D:\nseven eight nine ten"]
    with pytest.raises(ValueError, match="min_words"):
        cut_documents(text, min_words=0)


def test_retrieval_set_works_on_the_standin_text():
    data = retrieval_set(STANDIN)
    assert data.queries == STANDIN_QUERIES
    for query, relevant in zip(data.queries, data.relevant, strict=True):
        (doc,) = relevant
        assert query.anchor in data.documents[doc].text.split("\n")


@needs_tinyshakespeare
def test_retrieval_set_anchors_occur_once_and_documents_cover_the_corpus():
    text = tinyshakespeare()
    for query in QUERIES:
        assert len(anchor_lines(text, query.anchor)) == 1, query.anchor
    for query in STANDIN_QUERIES:
        assert anchor_lines(text, query.anchor) == [], query.anchor
    data = retrieval_set(text)
    assert data.queries == QUERIES and 25 <= len(QUERIES) <= 40
    kinds = Counter(q.kind for q in QUERIES)
    assert kinds == {"lexical": len(QUERIES) // 2, "paraphrase": len(QUERIES) // 2}
    for query, relevant in zip(data.queries, data.relevant, strict=True):
        assert len(relevant) == 1
        assert query.anchor in data.documents[min(relevant)].text.split("\n")
    # every non-blank line in exactly one document, in order; the cut is deterministic
    lines = [line for line in text.split("\n") if line.strip()]
    assert [line for d in data.documents for line in d.text.split("\n")] == lines
    docs = data.documents
    assert all(docs[i].last_line < docs[i + 1].first_line for i in range(len(docs) - 1))
    assert cut_documents(text) == data.documents


@needs_tinyshakespeare
def test_paraphrase_queries_share_no_rare_word_with_their_passage():
    """The design the module claims: a lexical query shares at least two words outside the
    corpus's 200 most frequent with its passage; a paraphrase shares none."""
    text = tinyshakespeare()
    common = {w for w, _ in Counter(words(text)).most_common(200)}
    data = retrieval_set(text)
    for query, relevant in zip(data.queries, data.relevant, strict=True):
        passage = set(words(data.documents[min(relevant)].text))
        rare_shared = (set(words(query.text)) & passage) - common
        if query.kind == "lexical":
            assert len(rare_shared) >= 2, query.text
        else:
            assert not rare_shared, (query.text, rare_shared)



def test_corpus_plots_draw_the_losses_and_the_retrieval_bars():
    # a bare Figure: check cells run this file in the notebook kernel, whose backend must stay
    axes = Figure().subplots(1, 2)
    plot_sgns_losses(axes[0], [4.1, 3.5, 3.0, 2.9], negatives=5, window=2)
    results = {"BM25": {"P@1": 0.9, "R@5": 1.0}, "mean GloVe": {"P@1": 0.1, "R@5": 0.2}}
    plot_retrieval_results(axes[1], results)
    assert len(axes[1].patches) == 4
    with pytest.raises(ValueError, match="expected"):
        plot_retrieval_results(axes[1], {"a": {"P@1": 0.5}, "b": {"R@5": 0.5}})

# --- 05.5 co-occurrence counts, PPMI and the truncated SVD ---------------------------------------


@pytest.mark.exercise("05.5")
@pytest.mark.parametrize("window", [1, 2, 3])
def test_05_5_cooccurrence_counts_match_a_python_loop(window):
    tokens = words("the cat sat on the mat and the cat ran very very far")
    vocab = ["the", "cat", "sat", "on", "mat", "very", "far"]  # "and", "ran" left out
    ids = token_ids(tokens, vocab)
    got = cooccurrence_counts(ids, len(vocab), window)
    assert got.shape == (7, 7) and got.dtype == np.float64
    np.testing.assert_array_equal(got, corpus_counts_by_loop(ids.tolist(), 7, window))
    np.testing.assert_array_equal(got, got.T)


@pytest.mark.exercise("05.5")
def test_05_5_cooccurrence_counts_by_hand_with_window_2():
    # a b a c: at distance 1 the pairs a-b, b-a, a-c; at distance 2 a-a and b-c. Each pair is
    # counted both ways, so a-b gives 2 to C[a, b] and C[b, a], and a-a gives 2 to C[a, a].
    got = cooccurrence_counts(np.array([0, 1, 0, 2]), 3, window=2)
    np.testing.assert_array_equal(got, [[2, 2, 1], [2, 0, 1], [1, 1, 0]])


def corpus_hand_ppmi_counts() -> np.ndarray:
    return np.array([[0.0, 2.0, 1.0],
                     [2.0, 0.0, 1.0],
                     [1.0, 1.0, 4.0]])


@pytest.mark.exercise("05.5")
def test_05_5_ppmi_matches_a_hand_computed_matrix():
    # N = 12; row and column sums 3, 3, 6: P(w) = P(c) = 1/4, 1/4, 1/2.
    # PMI(w, c) = ln(C[w, c] * N / (row[w] * col[c]))
    want = np.array([
        [0.0, math.log(2 * 12 / 9), math.log(1 * 12 / 18)],
        [math.log(2 * 12 / 9), 0.0, math.log(1 * 12 / 18)],
        [math.log(1 * 12 / 18), math.log(1 * 12 / 18), math.log(4 * 12 / 36)],
    ])
    want = np.maximum(want, 0.0)  # ln(2/3) < 0 is clipped
    got = ppmi(corpus_hand_ppmi_counts(), alpha=1.0)
    assert got.shape == (3, 3) and got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=CORPUS_EXACT, atol=CORPUS_EXACT)


@pytest.mark.exercise("05.5")
def test_05_5_ppmi_with_context_smoothing_matches_a_hand_computation():
    # P_0.75(c) = col[c]^0.75 / (3^0.75 + 3^0.75 + 6^0.75); P(w, c) = C / 12; P(w) = row / 12
    z = 2 * 3 ** 0.75 + 6 ** 0.75
    p_c = [3 ** 0.75 / z, 3 ** 0.75 / z, 6 ** 0.75 / z]
    p_w = [3 / 12, 3 / 12, 6 / 12]
    counts = corpus_hand_ppmi_counts()
    want = np.zeros((3, 3))
    for w in range(3):
        for c in range(3):
            if counts[w, c] > 0:
                want[w, c] = max(0.0, math.log(counts[w, c] / 12 / (p_w[w] * p_c[c])))
    assert want[2, 2] > math.log(4 / 3)  # smoothing lowers P(c) of the frequent context 2
    np.testing.assert_allclose(ppmi(counts, alpha=0.75), want, rtol=CORPUS_EXACT,
                               atol=CORPUS_EXACT)
    np.testing.assert_allclose(ppmi(counts), want, rtol=CORPUS_EXACT,
                               atol=CORPUS_EXACT)  # 0.75 is the default


@pytest.mark.exercise("05.5")
def test_05_5_zero_counts_give_ppmi_zero_without_warnings():
    counts = np.array([[0.0, 3.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 0.0]])  # an empty row
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a log(0) or 0/0 RuntimeWarning fails the test
        got = ppmi(counts)
    assert np.isfinite(got).all()
    np.testing.assert_array_equal(got[counts == 0], 0.0)
    assert got[0, 1] == pytest.approx(math.log(2.0), rel=CORPUS_EXACT)  # 3/6 / (1/2 * 1/2)


@pytest.mark.exercise("05.5")
@pytest.mark.parametrize("power", [0.0, 0.5, 1.0])
def test_05_5_svd_embeddings_are_numpys_truncated_svd_with_fixed_signs(power):
    matrix = np.random.default_rng(0).random((7, 6))
    names = [f"w{i}" for i in range(7)]
    k = 3
    wv = svd_embeddings(matrix, names, dim=k, power=power)
    assert isinstance(wv, WordVectors) and wv.words == names
    assert wv.vectors.shape == (7, k) and wv.vectors.dtype == np.float32
    got = wv.vectors.astype(np.float64)  # (V, k)
    u, s, vt = np.linalg.svd(matrix, full_matrices=False)
    u_k = u[:, :k]
    u_k = u_k * np.sign(u_k[np.abs(u_k).argmax(axis=0), np.arange(k)])
    np.testing.assert_allclose(got, u_k * s[:k] ** power, rtol=CORPUS_FLOAT32, atol=CORPUS_FLOAT32)
    # sign-free checks: the columns span the rank-k approximation's column space
    projection = got @ np.linalg.pinv(got)  # (V, V)
    rank_k = u[:, :k] * s[:k] @ vt[:k]
    np.testing.assert_allclose(projection @ matrix, rank_k, atol=CORPUS_FLOAT32)
    np.testing.assert_allclose(np.linalg.norm(got, axis=0), s[:k] ** power, rtol=CORPUS_FLOAT32)
    # the sign rule: each column's largest entry in absolute value is positive
    assert (got[np.abs(got).argmax(axis=0), np.arange(k)] > 0).all()
    np.testing.assert_array_equal(svd_embeddings(matrix, names, k, power).vectors, wv.vectors)


@pytest.mark.exercise("05.5")
@needs_tinyshakespeare
def test_05_5_ppmi_svd_on_tinyshakespeare_puts_related_words_together():
    tokens = words(tinyshakespeare())
    vocab = vocabulary(tokens, max_size=1500, min_count=5)
    counts = cooccurrence_counts(token_ids(tokens, vocab), len(vocab), window=2)
    wv = svd_embeddings(ppmi(counts), vocab, dim=50)
    assert "juliet" in corpus_nearest(wv, "romeo", 5)
    assert {"art", "hast", "dost"} & set(corpus_nearest(wv, "thou", 5))


# --- 05.6 skip-gram with negative sampling -------------------------------------------------------


def corpus_sgns_tensors(seed: int, batch: int = 7, k: int = 4, dim: int = 5):
    g = corpus_gen(seed)
    return tuple(torch.randn(*shape, generator=g, dtype=torch.float64, requires_grad=True)
                 for shape in ((batch, dim), (batch, dim), (batch, k, dim)))


@pytest.mark.exercise("05.6")
def test_05_6_sgns_loss_matches_a_logsigmoid_reference():
    v, u, neg = corpus_sgns_tensors(0)
    want = (-F.logsigmoid((u * v).sum(1))
            - F.logsigmoid(-(neg * v[:, None, :]).sum(2)).sum(1)).mean()
    got = sgns_loss(v, u, neg)
    assert got.shape == () and got.dtype == torch.float64
    torch.testing.assert_close(got, want, rtol=CORPUS_EXACT, atol=CORPUS_EXACT)


@pytest.mark.exercise("05.6")
def test_05_6_sgns_gradients_match_the_hand_formulas():
    v, u, neg = corpus_sgns_tensors(1)
    sgns_loss(v, u, neg).backward()
    batch = v.shape[0]
    with torch.no_grad():
        s_pos = torch.sigmoid((u * v).sum(1))[:, None]  # (B, 1) sigma(u_o . v_c)
        s_neg = torch.sigmoid((neg * v[:, None, :]).sum(2))[:, :, None]  # (B, k, 1)
        dv = (-(1 - s_pos) * u + (s_neg * neg).sum(1)) / batch
        du = -(1 - s_pos) * v / batch
        dneg = s_neg * v[:, None, :] / batch
    torch.testing.assert_close(v.grad, dv, rtol=CORPUS_EXACT, atol=CORPUS_EXACT)
    torch.testing.assert_close(u.grad, du, rtol=CORPUS_EXACT, atol=CORPUS_EXACT)
    torch.testing.assert_close(neg.grad, dneg, rtol=CORPUS_EXACT, atol=CORPUS_EXACT)


@pytest.mark.exercise("05.6")
def test_05_6_sgns_loss_stays_finite_for_large_scores_in_float32():
    v = torch.full((1, 1), 20.0)
    good = sgns_loss(v, torch.full((1, 1), 10.0), torch.full((1, 3, 1), -10.0))  # scores +-200
    bad = sgns_loss(v, torch.full((1, 1), -10.0), torch.full((1, 3, 1), 10.0))
    assert good.item() == pytest.approx(0.0, abs=1e-6)
    assert bad.item() == pytest.approx(4 * 200.0, rel=1e-6)


@pytest.mark.exercise("05.6")
def test_05_6_model_looks_up_centers_in_the_input_table_and_the_rest_in_the_output_table():
    model = SkipGram(10, 4, corpus_gen(2)).double()
    with torch.no_grad():
        model.context.weight.copy_(torch.randn(10, 4, generator=corpus_gen(3)))
    center, context = torch.tensor([1, 5, 5]), torch.tensor([2, 0, 9])
    negative = torch.tensor([[3, 4], [1, 1], [7, 2]])
    v = F.embedding(center, model.center.weight)
    u = F.embedding(context, model.context.weight)
    neg = F.embedding(negative, model.context.weight)
    want = (-F.logsigmoid((u * v).sum(1))
            - F.logsigmoid(-(neg * v[:, None, :]).sum(2)).sum(1)).mean()
    torch.testing.assert_close(model(center, context, negative), want, rtol=CORPUS_EXACT,
                               atol=CORPUS_EXACT)
    # at initialisation the output table is zero: every score is 0 and the loss (1 + k) ln 2
    fresh = SkipGram(10, 4, corpus_gen(2))
    assert fresh(center, context, negative).item() == pytest.approx(3 * math.log(2), rel=1e-6)


def corpus_two_group_ids(seed: int) -> tuple[np.ndarray, list[str]]:
    """Sentences of 8 words drawn from one of two groups of 6 words, groups chosen at random:
    a word only ever meets words of its own group (and, across a sentence break, a few
    others)."""
    rng = np.random.default_rng(seed)
    ids = [rng.integers(6, size=8) + 6 * rng.integers(2) for _ in range(1500)]
    return np.concatenate(ids), [f"a{i}" for i in range(6)] + [f"b{i}" for i in range(6)]


@pytest.mark.exercise("05.6")
def test_05_6_skipgram_learns_that_words_of_one_group_are_alike():
    ids, names = corpus_two_group_ids(0)
    config = SkipGramConfig(dim=16, window=2, negatives=5, subsample=None, epochs=2,
                            batch_size=256, lr=0.02)
    wv, losses = train_skipgram(ids, names, config, corpus_gen(0), progress=False)
    assert wv.words == names and wv.vectors.shape == (12, 16) and wv.vectors.dtype == np.float32
    assert losses[0] == pytest.approx(6 * math.log(2), rel=1e-5)
    assert np.mean(losses[-20:]) < losses[0] - 1.0
    sims = corpus_cosine_matrix(wv.vectors.astype(np.float64))
    group = np.arange(12) // 6
    same = (group[:, None] == group[None, :]) & ~np.eye(12, dtype=bool)
    assert sims[same].min() > sims[~same & ~np.eye(12, dtype=bool)].max() + 0.3
    again, _ = train_skipgram(ids, names, config, corpus_gen(0), progress=False)
    np.testing.assert_array_equal(again.vectors, wv.vectors)


# --- 05.7 TF-IDF and BM25 ------------------------------------------------------------------------


@pytest.mark.exercise("05.7")
def test_05_7_tfidf_matches_hand_computed_cosines():
    # idf = ln(N / df): rose ln(3/2), red 0, sky ln 3, night ln(3/2), moon ln 3
    a, c = math.log(3 / 2), math.log(3)
    norm_d = [2 * a, math.sqrt((2 * c) ** 2 + a ** 2), math.sqrt(2 * a ** 2 + (2 * c) ** 2)]
    # query "rose night": x_q = (a, a) on (rose, night), |x_q| = sqrt(2) a
    rose_night = [(2 * a * a) / (math.sqrt(2) * a * norm_d[0]),
                  (a * a) / (math.sqrt(2) * a * norm_d[1]),
                  (a * a + a * a) / (math.sqrt(2) * a * norm_d[2])]
    # query "sky sky unicorn": x_q = 2c on sky; unicorn is in no document
    sky = [0.0, (2 * c * 2 * c) / (2 * c * norm_d[1]), 0.0]
    queries = [["rose", "night"], ["sky", "sky", "unicorn"], ["red"], []]
    got = tfidf_scores(build_index(CORPUS_TOY_DOCS), queries)
    assert got.shape == (4, 3) and got.dtype == np.float64
    np.testing.assert_allclose(got, [rose_night, sky, [0.0] * 3, [0.0] * 3],
                               rtol=CORPUS_EXACT, atol=CORPUS_EXACT)
    assert got[0, 0] == pytest.approx(1 / math.sqrt(2), rel=CORPUS_EXACT)


@pytest.mark.exercise("05.7")
def test_05_7_bm25_matches_hand_computed_scores():
    # idf = ln(1 + (N - n + 0.5) / (n + 0.5)): n = 2 -> ln 1.6, n = 1 -> ln(8/3), n = 3 -> ln(8/7)
    k1, b, avgdl = 1.5, 0.75, 4.0

    def term(idf: float, tf: float, length: float) -> float:
        return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avgdl))

    rose_night = [term(math.log(1.6), 2, 3),
                  term(math.log(1.6), 1, 4),
                  term(math.log(1.6), 1, 5) + term(math.log(1.6), 1, 5)]
    red = [term(math.log(8 / 7), 1, 3), term(math.log(8 / 7), 1, 4), term(math.log(8 / 7), 1, 5)]
    moon = [0.0, 0.0, term(math.log(8 / 3), 2, 5)]
    queries = [["rose", "night", "rose"], ["red"], ["moon", "unicorn"], []]  # rose once: distinct
    got = bm25_scores(build_index(CORPUS_TOY_DOCS), queries)
    assert got.shape == (4, 3) and got.dtype == np.float64
    np.testing.assert_allclose(got, [rose_night, red, moon, [0.0] * 3], rtol=CORPUS_EXACT,
                               atol=CORPUS_EXACT)


@pytest.mark.exercise("05.7")
def test_05_7_bm25_k1_and_b_switch_off_saturation_and_length():
    index = build_index(CORPUS_TOY_DOCS)
    # k1 = 0: a word counts once however often it occurs, so the score is the sum of idfs
    presence = bm25_scores(index, [["rose", "sky"]], k1=0.0)
    np.testing.assert_allclose(presence, [[math.log(1.6), math.log(8 / 3), math.log(1.6)]],
                               rtol=CORPUS_EXACT)
    # b = 0: no length normalisation, each word adds idf * tf * (k1 + 1) / (tf + k1)
    flat = bm25_scores(index, [["rose", "red"]], k1=1.5, b=0.0)
    red = math.log(8 / 7)  # tf = 1 in every document: tf * 2.5 / (tf + 1.5) = 1
    want = [math.log(1.6) * 2 * 2.5 / (2 + 1.5) + red, red, math.log(1.6) + red]
    np.testing.assert_allclose(flat, [want], rtol=CORPUS_EXACT)


@pytest.mark.exercise("05.7")
@needs_tinyshakespeare
def test_05_7_sparse_retrieval_finds_the_lexical_queries_passages():
    data = retrieval_set(tinyshakespeare())
    index = build_index([words(d.text) for d in data.documents])
    lexical = [i for i, q in enumerate(data.queries) if q.kind == "lexical"]
    queries = [words(data.queries[i].text) for i in lexical]
    relevant = [data.relevant[i] for i in lexical]
    for scores in (tfidf_scores(index, queries), bm25_scores(index, queries)):
        assert mean_at_k(precision_at_k, rank(scores), relevant, 1) >= 0.7
        assert mean_at_k(recall_at_k, rank(scores), relevant, 5) >= 0.9


# --- the notebook ---------------------------------------------------------------------------------


@pytest.mark.notebook
def test_05_notebook_runs_top_to_bottom(monkeypatch):
    if GLOVE_SLICE.is_file():  # the real slice when the shared data is here, else the stand-in
        monkeypatch.setenv("COURSE_GLOVE_FILE", str(GLOVE_SLICE))
    execute_notebook(notebook_to_run(find_module("05")))
