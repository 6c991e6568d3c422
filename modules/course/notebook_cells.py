"""The course's notebook format: which cells are questions, answers, exercises and checks.

Tools never parse prose. Every special cell carries the metadata
``{"course": {"kind": K, "id": "NN.k"}}``:

- ``question``: a markdown cell that begins ``**Question NN.k**`` followed by the prompt;
- ``answer``: the code cell right after it, exactly ``answer_NN_k = \"\"\"...\"\"\"``;
  on `main` the string holds a reference answer, the scaffold empties it;
- ``exercise``: a code cell the learner completes (a solution region in Module 00's notebook,
  a call of their module code in later ones);
- ``check``: the code cell after an exercise that checks it.

An answer that is empty is *blank* (skipped); one whose first word is ``hint`` (or that is
just ``?``) asks the grader for a hint instead of a grade.
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

KINDS = ("question", "answer", "exercise", "check")
QUESTION_HEADER = re.compile(r"^\*\*Question (\d\d\.\d+)\*\*[ \t]*:?[ \t]*")
KERNEL_NAME = "llm-course"
KERNEL_DISPLAY_NAME = "LLM course (.venv)"


@dataclass
class QuestionAnswer:
    id: str
    prompt: str
    answer: str
    status: str  # "blank", "hint" or "answered"


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def course_meta(cell) -> dict:
    """The cell's ``course`` metadata, or an empty dict for an ordinary cell."""
    return dict(cell.get("metadata", {}).get("course", {}))


def answer_variable(qid: str) -> str:
    """`"03.2"` -> `"answer_03_2"`."""
    return "answer_" + qid.replace(".", "_")


def answer_cell_source(qid: str, text: str) -> str:
    """The exact source of an answer cell holding `text`."""
    body = text.strip().replace('"""', '\\"\\"\\"')
    return f'{answer_variable(qid)} = """\n{body}\n"""'


def parse_answer(source: str) -> str:
    """The answer string in an answer cell's source.

    A cell that is not one assignment of a string (a learner may break the quotes) gives
    its raw source back, so that nothing a learner wrote is hidden from the grader.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source.strip()
    if (len(tree.body) == 1 and isinstance(tree.body[0], ast.Assign)
            and isinstance(tree.body[0].value, ast.Constant)
            and isinstance(tree.body[0].value.value, str)):
        return tree.body[0].value.value.strip()
    return source.strip()


def answer_status(answer: str) -> str:
    text = answer.strip()
    if not text:
        return "blank"
    if text == "?" or re.match(r"hint\b", text, flags=re.IGNORECASE):
        return "hint"
    return "answered"


def question_prompt(source: str) -> str:
    return QUESTION_HEADER.sub("", source.strip(), count=1).strip()


def questions_and_answers(nb) -> list[QuestionAnswer]:
    """Every Question/Answer pair of a notebook, in order."""
    prompts: dict[str, str] = {}
    pairs = []
    for cell in nb.cells:
        meta = course_meta(cell)
        if meta.get("kind") == "question":
            prompts[meta["id"]] = question_prompt(cell.source)
        elif meta.get("kind") == "answer":
            answer = parse_answer(cell.source)
            pairs.append(QuestionAnswer(meta["id"], prompts.get(meta["id"], ""), answer,
                                        answer_status(answer)))
    return pairs


def reference_answers(nb) -> dict[str, str]:
    return {qa.id: qa.answer for qa in questions_and_answers(nb)}


def notebook_problems(nb, module_nn: str) -> list[str]:
    """Everything that breaks the course's notebook format; an empty list means well-formed."""
    problems = []
    try:
        nbformat.validate(copy.deepcopy(nb))  # a copy: validate "repairs" duplicate ids in place
    except nbformat.ValidationError as err:
        problems.append(f"not valid nbformat: {err.message}")
    seen_ids = set()
    previous_kind, previous_id = None, None
    for index, cell in enumerate(nb.cells):
        where = f"cell {index} ({cell.get('id', 'no id')})"
        if not cell.get("id"):
            problems.append(f"{where}: has no cell id")
        elif cell.id in seen_ids:
            problems.append(f"{where}: duplicate cell id")
        seen_ids.add(cell.get("id"))
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            problems.append(f"{where}: stored with outputs; clear them")
        meta = course_meta(cell)
        kind, qid = meta.get("kind"), meta.get("id")
        if meta:
            if kind not in KINDS:
                problems.append(f"{where}: unknown course kind {kind!r}")
            if not qid or not re.fullmatch(rf"{module_nn}\.\d+", str(qid)):
                problems.append(f"{where}: course id {qid!r} is not of the form {module_nn}.k")
        if kind == "question":
            match = QUESTION_HEADER.match(cell.source.strip())
            if cell.cell_type != "markdown" or not match or match.group(1) != qid:
                problems.append(f"{where}: a question cell must be markdown starting "
                                f"'**Question {qid}**'")
        if kind == "answer":
            if previous_kind != "question" or previous_id != qid:
                problems.append(f"{where}: answer {qid} does not follow its question")
            if not re.match(rf'{answer_variable(str(qid))} = """', cell.source):
                problems.append(f"{where}: an answer cell must start "
                                f'`{answer_variable(str(qid))} = """`')
        if previous_kind == "question" and kind != "answer":
            problems.append(f"{where}: question {previous_id} is not followed by its answer cell")
        if kind == "check" and (previous_kind != "exercise" or previous_id != qid):
            problems.append(f"{where}: check {qid} does not follow exercise {qid}")
        previous_kind, previous_id = kind, qid
    if nb.metadata.get("kernelspec", {}).get("name") != KERNEL_NAME:
        problems.append(f"notebook kernelspec must be '{KERNEL_NAME}'")
    return problems


def clear_outputs(nb) -> None:
    """Store a notebook clean: no outputs, no execution counts."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None


def notebook_text(nb) -> str:
    """The canonical text of a notebook, byte for byte what `nbformat.write` stores."""
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"
