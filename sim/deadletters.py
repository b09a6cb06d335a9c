"""The simulator's dead-letter queue: dead letters by id, in arrival order, until inspected and redriven."""

from __future__ import annotations

from bus.deadletters import DeadLetter
from sim.ids import SequentialIds


class DeadLetterQueue:
    """Dead letters by id (`dlq_00001`, ...), in the order they arrived."""

    def __init__(self) -> None:
        self._letters: dict[str, DeadLetter] = {}
        self._ids = SequentialIds()

    def new_id(self) -> str:
        return self._ids.new("dlq")

    def add(self, letter: DeadLetter) -> None:
        self._letters[letter.id] = letter

    def get(self, letter_id: str) -> DeadLetter | None:
        return self._letters.get(letter_id)

    def remove(self, letter_id: str) -> None:
        del self._letters[letter_id]

    def list(self) -> list[DeadLetter]:
        return list(self._letters.values())

    def __len__(self) -> int:
        return len(self._letters)
