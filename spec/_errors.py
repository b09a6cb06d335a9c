"""Error values shared by the spec tools."""

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class SpecProblem:
    """One thing wrong with the spec, located by a JSON pointer into the document."""

    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


class SpecError(Exception):
    """The spec cannot be used; carries every problem found."""

    def __init__(self, problems: list[SpecProblem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
