"""event-ruler's byte machine for the wildcard alternatives of one field: the UTF-8 byte NFA it matches with.

EventBridge judges a rule's wildcards by walking this NFA (see ``_complexity``). The score depends on the
exact shape of the NFA (which states are shared, the self-looping state after each ``*``, the extra
transitions that let a ``*`` match nothing), so this module rebuilds it the way event-ruler's ``ByteMachine``
does, quirks included. Only wildcard and anything-but-wildcard values are built into states: the other
alternatives of a field reach no wildcard pattern, so they are only told apart by value, to know where they
lead (``tests/fixtures/eventruler/`` checks both against event-ruler itself).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final, Generic, TypeAlias, TypeVar

from bus.patterns._model import RulerPattern

STAR: Final = -1  # an unescaped ``*`` in a parsed wildcard value; every other item is a byte 0..255
WILDCARD_KINDS: Final = frozenset({"wildcard", "anything-but-wildcard"})
# event-ruler treats bytes of multi-byte characters specially once the field has a suffix pattern.
SUFFIX_KINDS: Final = frozenset({"suffix", "suffix-ic", "anything-but-suffix"})

T = TypeVar("T")


class State:
    """An NFA state: transitions per byte, plus transitions taken on every byte (after a ``*``)."""

    __slots__ = ("every", "loose", "moves")

    def __init__(self, *, loose: bool) -> None:
        self.moves: dict[int, dict[Single, None]] = {}  # dicts as ordered sets
        self.every: dict[Single, None] = {}
        # More than one input prefix leads here (a ``*`` lies behind), so other values may not pass through.
        self.loose = loose

    def on(self, byte: int) -> Iterator[Single]:
        yield from self.moves.get(byte, ())
        yield from self.every

    def on_star(self) -> list[Single]:
        return list(self.every)

    def singles(self) -> Iterator[Single]:
        for targets in self.moves.values():
            yield from targets
        yield from self.every

    def add(self, byte: int, single: Single) -> None:
        self.moves.setdefault(byte, {})[single] = None


@dataclass(frozen=True)
class _Match(Generic[T]):
    """Reaching this transition completes ``pattern``; matching goes on at ``target`` (compared by identity)."""

    pattern: RulerPattern
    target: T


class _Composite:
    """A transition that both completes a match and continues to a state."""

    __slots__ = ("match", "state")

    def __init__(self, state: State, match: _Match[object]) -> None:
        self.state = state
        self.match = match


Single: TypeAlias = "State | _Match[object] | _Composite"


def state_after(single: Single) -> State | None:
    """Where matching continues after ``single``, if anywhere."""
    if isinstance(single, State):
        return single
    return single.state if isinstance(single, _Composite) else None


def match_of(single: Single) -> _Match[object] | None:
    """The match ``single`` completes, if any."""
    if isinstance(single, _Match):
        return single
    return single.match if isinstance(single, _Composite) else None


def _preferred_state(singles: Iterable[Single]) -> State | None:
    """The state to continue in, preferring one that a new value may share (a determinate one)."""
    loose = None
    for single in singles:
        state = state_after(single)
        if state is not None:
            if not state.loose:
                return state
            loose = loose or state
    return loose


def parse_wildcard(text: str) -> tuple[int, ...]:
    """The quoted value as event-ruler's wildcard parser reads it: UTF-8 bytes, ``STAR`` for each ``*``."""
    data = f'"{text}"'.encode("utf-8", "replace")  # Java writes a lone surrogate as "?", so does "replace"
    parsed: list[int] = []
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == 0x2A:
            parsed.append(STAR)
        elif byte == 0x5C:  # the validator has already accepted only \* and \\
            i += 1
            parsed.append(data[i])
        else:
            parsed.append(byte)
        i += 1
    return tuple(parsed)


def java_set_order(values: Sequence[str]) -> list[str]:
    """``values`` in the iteration order of the java.util.HashSet event-ruler keeps them in.

    Anything-but-wildcard values are added to the machine in that order, and the machine's shape can
    depend on it. Buckets are the spread String hash masked by the table size; a bucket keeps insertion
    order (resizing preserves it).
    """
    distinct = list(dict.fromkeys(f'"{value}"' for value in values))
    capacity = 16
    while len(distinct) > capacity * 3 // 4:
        capacity *= 2

    def bucket(quoted: str) -> int:
        data = quoted.encode("utf-16-be", "surrogatepass")
        code = 0
        for i in range(0, len(data), 2):
            code = (31 * code + (data[i] << 8 | data[i + 1])) & 0xFFFFFFFF
        return (code ^ (code >> 16)) & (capacity - 1)

    ordered = sorted(range(len(distinct)), key=lambda i: (bucket(distinct[i]), i))
    return [distinct[i][1:-1] for i in ordered]


def _has_case(char: str) -> bool:
    """Whether event-ruler's equals-ignore-case parser would give ``char`` two byte forms."""
    if ord(char) > 0xFFFF:  # Java reads a lone surrogate here, which has no case
        return False
    return char.lower().encode("utf-8", "replace") != char.upper().encode("utf-8", "replace")


def _is_continuation(value: Sequence[int], i: int) -> bool:
    return 0 <= i < len(value) and 0x80 <= value[i] <= 0xBF


def _starts_character(byte: int) -> bool:
    return byte < 0x80 or byte >= 0xC0


class ByteMachine(Generic[T]):
    """The byte machine of one field of one name state: where each alternative leads, and its wildcard NFA."""

    def __init__(self, make_target: Callable[[], T]) -> None:
        self._make_target = make_target
        self._start = State(loose=False)
        self._plain: dict[RulerPattern, T] = {}
        self._targets: dict[int, T] = {}
        self._has_suffix = False

    @property
    def start(self) -> State:
        """The state every value starts from."""
        return self._start

    @property
    def targets(self) -> list[T]:
        """Every name state an alternative of this field leads to."""
        return list(self._targets.values())

    def add(self, pattern: RulerPattern, candidate: T | None) -> T:
        """Add ``pattern``, leading to ``candidate`` unless the machine already leads it elsewhere."""
        if pattern.kind in SUFFIX_KINDS:
            self._has_suffix = True
        if pattern.kind not in WILDCARD_KINDS:
            target = self._plain.get(pattern)
            if target is None:
                target = self._plain[pattern] = candidate if candidate is not None else self._make_target()
        else:
            texts = java_set_order(pattern.texts) if pattern.kind == "anything-but-wildcard" else pattern.texts
            target_or_none = candidate
            for text in texts:
                target_or_none = self._add_value(pattern, parse_wildcard(text), target_or_none)
            assert target_or_none is not None
            target = target_or_none
        self._targets[id(target)] = target
        return target

    # --- building: event-ruler's addMatchValue, addEndOfMatch, findOrMakeNextByteState, insertMatch ---

    def _on(self, state: State, item: int) -> list[Single]:
        return state.on_star() if item == STAR else list(dict.fromkeys(state.on(item)))

    def _add_value(self, pattern: RulerPattern, value: tuple[int, ...], candidate: T | None) -> T:
        state, previous = self._start, None
        i = 0
        while i < len(value) - 1:  # follow the states this value may share
            shared = self._shared_state(state, value, i)
            if shared is None:
                break
            state, previous = shared, state
            i += 1
        while i < len(value) - 1:  # continue through determinate states, turning matches into composites
            singles = self._on(state, value[i])
            if not singles:
                break
            following = _preferred_state(singles)
            if following is None:
                following = State(loose=state.loose)
                match = match_of(singles[0])
                assert match is not None
                del state.moves[value[i]][singles[0]]
                state.add(value[i], _Composite(following, match))
            elif following.loose:
                break
            state, previous = following, state
            i += 1
        while i < len(value) - 1:
            following = _preferred_state(self._on(state, value[i]))
            if following is None or following.loose:
                following = State(loose=state.loose)
                self._link(state, previous, value, i, following)
            state, previous = following, state
            i += 1
        return self._insert_match(pattern, value, state, previous, candidate)

    def _shared_state(self, state: State, value: tuple[int, ...], i: int) -> State | None:
        for single in self._on(state, value[i]):
            following = state_after(single)
            if following is not None and self._may_share(state, following, value, i):
                return following
        return None

    def _link(self, state: State, previous: State | None, value: tuple[int, ...], i: int, following: State) -> None:
        if value[i] == STAR:
            following.every[following] = None
            following.loose = True
            state.every[following] = None
            return
        state.add(value[i], following)
        if previous is not None and value[i - 1] == STAR:  # the star may match nothing
            previous.add(value[i], following)

    def _insert_match(
        self, pattern: RulerPattern, value: tuple[int, ...], state: State, previous: State | None, candidate: T | None
    ) -> T:
        last = value[-1]
        for single in self._on(state, last):
            match = match_of(single)
            if match is not None and match.pattern == pattern:
                return match.target  # type: ignore[return-value]
        target = candidate if candidate is not None else self._make_target()
        new_match: _Match[object] = _Match(pattern, target)
        state.add(last, new_match)
        if previous is not None and len(value) > 1 and value[-2] == STAR:
            previous.add(last, new_match)
        return target

    def _may_share(self, state: State, following: State, value: tuple[int, ...], i: int) -> bool:
        if following is state:
            return False
        if not following.loose:
            return not (i == len(value) - 2 and value[i + 1] == STAR)
        return not self._paths_converge(state, value, i)

    def _paths_converge(self, state: State, value: tuple[int, ...], i: int) -> bool:
        """event-ruler's test for two transitions on this character that meet again further on."""
        byte = value[i]
        if byte == STAR:
            return False
        suffix_byte = self._has_suffix and _is_continuation(value, i) and not _is_continuation(value, i - 1)
        if not _starts_character(byte) and not suffix_byte:
            return False
        every = state.on_star()
        if every and every != [state]:
            return True
        # event-ruler asks whether the character has upper and lower case forms, whatever the machine holds.
        return _has_case(self._character_at(value, i)[:1] or "\ufffd")

    @staticmethod
    def _character_at(value: tuple[int, ...], i: int) -> str:
        if _starts_character(value[i]):
            width = 1 if value[i] < 0x80 else 2 if value[i] < 0xE0 else 3
            chunk = value[i : i + width]
        else:  # read backwards to the character's first byte, as event-ruler does for suffixes
            collected: list[int] = []
            for j in range(i, len(value)):
                if value[j] == STAR:
                    break
                collected.append(value[j])
                if not _is_continuation(value, j):
                    break
            chunk = tuple(reversed(collected))
        return bytes(b for b in chunk if b != STAR).decode("utf-8", "replace")
