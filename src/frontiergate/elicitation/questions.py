"""Authored capability proxy questions (multiple choice with one verifiable answer).

Multiple choice keeps the answer machine-checkable for any model, base models included, and the
chance level (1/len(options)) gives every accuracy a floor to compare with.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from frontiergate.errors import DataFileError

DATA_FILE = Path(__file__).parent / "data" / "capability_questions.yaml"
LETTERS = "ABCDE"


class Question(BaseModel):
    """One question; ``answer`` is the letter of the correct option."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    domain: str = Field(min_length=1)
    category: str = Field(min_length=1)
    question: str = Field(min_length=1)
    options: list[str] = Field(min_length=2, max_length=len(LETTERS))
    answer: str = Field(pattern="^[A-E]$")

    @model_validator(mode="after")
    def _answer_in_options(self) -> Question:
        if LETTERS.index(self.answer) >= len(self.options):
            raise ValueError(f"answer {self.answer} has no option (only {len(self.options)} options)")
        return self

    def prompt(self) -> str:
        opts = "\n".join(f"{LETTERS[i]}) {o}" for i, o in enumerate(self.options))
        return f"{self.question}\n\n{opts}"

    @property
    def answer_text(self) -> str:
        return self.options[LETTERS.index(self.answer)]


@lru_cache(maxsize=4)
def load_questions(path: Path = DATA_FILE) -> tuple[Question, ...]:
    """Read and validate a question file; errors name the file, the entry and the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataFileError(f"cannot read capability questions {path}: {exc}", "fix the YAML syntax") from None
    if not isinstance(raw, list):
        raise DataFileError(f"{path}: expected a list of questions", "write one '- {id: ..., ...}' entry per question")
    out = []
    for i, entry in enumerate(raw):
        try:
            out.append(Question.model_validate(entry))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(x) for x in err["loc"]) or "(entry)"
            raise DataFileError(
                f"{path}: question #{i + 1} field '{field}': {err['msg']}",
                "see the header of the bundled capability_questions.yaml",
            ) from None
    ids = [q.id for q in out]
    dup = sorted({x for x in ids if ids.count(x) > 1})
    if dup:
        raise DataFileError(f"{path}: duplicate question ids {', '.join(dup)}", "give every question a unique id")
    return tuple(out)
