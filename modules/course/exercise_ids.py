"""Exercise ids ("03.2": module 03, exercise 2): their order, and which exercise a test is for.

A test may name several exercises when it needs all of them (an analogy test needs 05.1's loader
and 05.3's scores). It belongs to the LAST of them in course order: a learner reaches it once that
exercise is done, so `check("05.1")` must not run a test that still waits for 05.3's stub.
"""

from __future__ import annotations

from collections.abc import Iterable


def exercise_order(exercise: str) -> tuple[int, int]:
    """`"03.12"` -> (3, 12), so that ids sort as the course orders them."""
    module, number = exercise.split(".")
    return int(module), int(number)


def owning_exercise(ids: Iterable[str]) -> str | None:
    """The exercise a test marked with `ids` belongs to: the last in course order (None if none)."""
    return max(ids, key=exercise_order, default=None)


def marked_exercises(item) -> list[str]:
    """Every id of a pytest item's `exercise` markers."""
    return [i for mark in item.iter_markers("exercise") for i in mark.args]
