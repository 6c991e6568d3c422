"""A small word-analogy test set, written for this course (provided).

Mikolov, Chen, Corrado and Dean (2013), "Efficient Estimation of Word Representations in Vector
Space", test word vectors with questions "a is to b as c is to d" (a : b :: c : d): given a, b
and c, is d the word found? Their set has about 19,500 questions; this one has five categories
of six word pairs each, two semantic and three grammatical:

    capitals      paris : france :: tokyo : japan
    gender        king : queen :: man : woman
    plurals       city : cities :: day : days
    comparatives  small : smaller :: high : higher
    past tense    go : went :: take : took

A category's questions are all ordered pairs of two different pairs of it: (a, b) and (c, d)
give a : b :: c : d, so six pairs give 6 * 5 = 30 questions. The words are common ones: every
one of them is among the 2,500 most frequent words of GloVe 6B.
"""

from __future__ import annotations

from itertools import permutations
from typing import NamedTuple

CATEGORY_PAIRS: dict[str, list[tuple[str, str]]] = {
    "capitals": [("paris", "france"), ("tokyo", "japan"), ("london", "britain"),
                 ("moscow", "russia"), ("beijing", "china"), ("baghdad", "iraq")],
    "gender": [("king", "queen"), ("man", "woman"), ("father", "mother"), ("son", "daughter"),
               ("brother", "sister"), ("husband", "wife")],
    "plurals": [("city", "cities"), ("day", "days"), ("country", "countries"),
                ("child", "children"), ("game", "games"), ("house", "houses")],
    "comparatives": [("small", "smaller"), ("high", "higher"), ("good", "better"),
                     ("large", "larger"), ("long", "longer"), ("old", "older")],
    "past tense": [("go", "went"), ("take", "took"), ("say", "said"), ("make", "made"),
                   ("come", "came"), ("see", "saw")],
}


class AnalogyQuestion(NamedTuple):
    """a : b :: c : d in `category`: the answer to "a is to b as c is to ?" is d."""

    category: str
    a: str
    b: str
    c: str
    d: str

    def __str__(self) -> str:
        return f"{self.a} : {self.b} :: {self.c} : {self.d}"


def analogy_questions() -> list[AnalogyQuestion]:
    """Every question of every category, category by category, in a fixed order."""
    return [AnalogyQuestion(category, a, b, c, d)
            for category, pairs in CATEGORY_PAIRS.items()
            for (a, b), (c, d) in permutations(pairs, 2)]
