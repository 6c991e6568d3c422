"""A small retrieval benchmark cut from TinyShakespeare, with queries and relevance judgements
written for this course (provided).

Documents: the text's speeches (runs of non-blank lines, a speaker's name first) in order,
consecutive speeches merged until a document has at least `min_words` words, so that one-line
replies ("Ay me!") do not make documents of their own. Every non-blank line of the text lies in
exactly one document; the cut depends on nothing but the text.

Queries: each names the passage it asks for by an anchor, one line copied exactly from the
corpus and occurring there once; the relevant document is the one holding that line. This keeps
the judgements honest: they are facts about the text, not about any method. Every passage is
asked for twice:

- "lexical": the words a reader who remembers the passage would type, with its rare words
  (names, places, odd nouns), where word-matching (TF-IDF, BM25) should do well;
- "paraphrase": a description of the passage in other words, sharing none of its rarer words,
  where only a method that knows which words mean similar things can find it.

A few queries about the stand-in text of modules.course.corpus let the notebook run without
the real corpus; their anchors do not occur in TinyShakespeare, and queries whose anchor is not
in the text at hand are left out.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from modules.m05_embeddings.tokenize import words


@dataclass(frozen=True)
class Document:
    """Lines first_line..last_line (0-based, inclusive, of text.split("\\n")), without the blank
    lines, joined by newlines in `text`."""

    first_line: int
    last_line: int
    text: str


@dataclass(frozen=True)
class Query:
    """A query, the anchor line of its passage (copied from the corpus) and its kind."""

    text: str
    anchor: str
    kind: str  # "lexical" or "paraphrase"


@dataclass(frozen=True)
class RetrievalSet:
    """The documents, the queries whose anchor occurs in the text, and for each query the
    numbers of its relevant documents (`relevant[i]` belongs to `queries[i]`)."""

    documents: list[Document]
    queries: list[Query]
    relevant: list[set[int]]


def _pair(anchor: str, lexical: str, paraphrase: str) -> list[Query]:
    return [Query(lexical, anchor, "lexical"), Query(paraphrase, anchor, "paraphrase")]


QUERIES: list[Query] = [
    *_pair("Now is the winter of our discontent",
           "winter of discontent glorious summer sun of york",
           "a misshapen duke, bored when the fighting stops and unfit for wooing, schemes "
           "against his own family"),
    *_pair("But, soft! what light through yonder window breaks?",
           "what light through yonder window juliet is the sun",
           "a youth in an orchard at night sees the girl he adores appear above him and likens "
           "her to dawn"),
    *_pair("What's in a name? that which we call a rose",
           "montague rose by any other name would smell as sweet",
           "a flower keeps its scent whatever people call it; she wishes her sweetheart would "
           "give up his family"),
    *_pair("O, then, I see Queen Mab hath been with you.",
           "queen mab the fairies' midwife",
           "a tiny elf rides a miniature coach over sleepers and fills their heads with "
           "fancies"),
    *_pair("This royal throne of kings, this scepter'd isle,",
           "scepter'd isle other eden demi-paradise",
           "a dying old nobleman praises his homeland as a walled stronghold and garden "
           "surrounded by water"),
    *_pair("And tell sad stories of the death of kings;",
           "sad stories of the death of kings hollow crown",
           "a defeated monarch reflects that every ruler meets a violent end"),
    *_pair("Rebell'd against the belly, thus accused it:",
           "menenius the body's members rebell'd against the belly",
           "a senator tells hungry rioters a parable in which the limbs revolt against the "
           "stomach"),
    *_pair("Ay, but to die, and go we know not where;",
           "cold obstruction thick-ribbed ice viewless winds",
           "a condemned young man confesses he is terrified of what comes after dying"),
    *_pair("Thus have I politicly begun my reign,",
           "petruchio falcon haggard politicly begun my reign",
           "a new husband explains that he will train his bride like a hunting bird by starving "
           "her and denying her rest"),
    *_pair("Gallop apace, you fiery-footed steeds,",
           "gallop apace fiery-footed steeds phoebus phaethon",
           "a girl married in secret longs for sunset so that her husband can come to her bed"),
    *_pair("Methought I saw a thousand fearful wrecks;",
           "clarence dream thousand fearful wrecks pearl dead men's skulls",
           "a prisoner describes a nightmare about drowning and treasure lying on the ocean "
           "floor"),
    *_pair("To have a giant's strength; but it is tyrannous",
           "giant's strength tyrannous petty officer",
           "a novice nun argues that powerful rulers should show mercy instead of cruelty"),
    *_pair("This island's mine, by Sycorax my mother,",
           "caliban this island's mine by sycorax",
           "a monster complains that the magician stole his land after first being kind to him"),
    *_pair("Thy husband is thy lord, thy life, thy keeper,",
           "thy husband is thy lord thy keeper thy sovereign",
           "a once defiant bride lectures the ladies on submitting to their spouses"),
    *_pair("Take thou this vial, being then in bed,",
           "vial distilled liquor drowsy humour",
           "a priest gives a girl a potion that will make her look lifeless for a while"),
    *_pair("I do remember an apothecary,--",
           "apothecary tortoise alligator needy shop",
           "a grieving young man remembers a poor chemist who would supply him with something "
           "lethal"),
    *_pair("To be no better than a homely swain;",
           "homely swain carve out dials minutes hours",
           "a weary king wishes he were a simple herdsman instead of ruling"),
    *_pair("Is whispering nothing?",
           "is whispering nothing leaning cheek to cheek",
           "a jealous husband lists the signs that convince him his wife is unfaithful"),
    *_pair("You common cry of curs! whose breath I hate",
           "you common cry of curs i banish you",
           "an exiled general curses the plebeians and declares that he rejects them"),
]

# Queries about modules.course.corpus.STANDIN, for a notebook run without the real corpus.
STANDIN_QUERIES: list[Query] = [
    *_pair("It is, and burning bright. I trimmed the wick myself.",
           "lamp wick burning bright", "the light on the tower has been prepared"),
    *_pair("The ships are in, the sails are torn, and the men are weary.",
           "ships sails torn weary men", "the sailors have come back exhausted"),
]


def cut_documents(text: str, min_words: int = 40) -> list[Document]:
    """The documents of `text`: its speeches in order, consecutive ones merged until each
    document has at least `min_words` words (the last one may have fewer)."""
    if min_words < 1:
        raise ValueError(f"min_words must be at least 1, got {min_words}")
    documents, lines, first, n_words = [], [], None, 0
    for number, line in enumerate(text.split("\n")):
        if line.strip():
            if first is None:
                first = number
            lines.append(line)
            n_words += len(words(line))
            last = number
        elif lines and n_words >= min_words:  # a speech ends, and the document is long enough
            documents.append(Document(first, last, "\n".join(lines)))
            lines, first, n_words = [], None, 0
    if lines:
        documents.append(Document(first, last, "\n".join(lines)))
    if not documents:
        raise ValueError("the text has no non-blank line to make a document of")
    return documents


def anchor_lines(text: str, anchor: str) -> list[int]:
    """The numbers (0-based) of the lines of `text` that equal `anchor`, ignoring surrounding
    whitespace."""
    return [n for n, line in enumerate(text.split("\n")) if line.strip() == anchor.strip()]


def retrieval_set(text: str, min_words: int = 40) -> RetrievalSet:
    """The documents of `text` and the queries of QUERIES and STANDIN_QUERIES whose anchor occurs
    in it, each with the set of documents holding its anchor line."""
    documents = cut_documents(text, min_words)
    starts = [d.first_line for d in documents]
    queries, relevant = [], []
    for query in QUERIES + STANDIN_QUERIES:
        lines = anchor_lines(text, query.anchor)
        if lines:
            queries.append(query)
            relevant.append({bisect.bisect_right(starts, n) - 1 for n in lines})
    return RetrievalSet(documents, queries, relevant)
