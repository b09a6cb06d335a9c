"""Reading the AsyncAPI YAML document strictly: duplicate keys and syntax errors are reported, not ignored."""

from pathlib import Path
from typing import Any

import yaml

from spec._errors import SpecError, SpecProblem


class _StrictLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys silently; a spec must not lose a message that way."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, yaml.Mark] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            first = seen[key]
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first defined on line {first.line + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_document(path: Path) -> dict[str, Any]:
    """Parse the spec file; raise SpecError naming the line and column of a YAML problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError([SpecProblem("", f"cannot read {path}: {exc.strerror or exc}")]) from exc
    except UnicodeDecodeError as exc:
        raise SpecError([SpecProblem("", f"{path.name} is not UTF-8 text (byte {exc.start}: {exc.reason})")]) from exc
    try:
        document = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError([SpecProblem("", f"malformed YAML in {path.name}{where}: {problem}")]) from exc
    if not isinstance(document, dict):
        raise SpecError([SpecProblem("", f"{path.name} must hold a YAML mapping, not {type(document).__name__}")])
    return document
