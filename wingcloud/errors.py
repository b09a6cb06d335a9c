"""Exceptions turned into the one line a person reads: what was wrong, with which value, and the fix."""

from __future__ import annotations

from wingcloud.tools import MissingToolError

_EXTRAS = {  # module -> why it is missing: only the dev extras install it
    "datamodel_code_generator": "`wingcloud spec codegen`",
    "ruff": "`wingcloud spec codegen` (it formats the generated models)",
    "pytest": "`wingcloud docs traces` (it runs the scenarios)",
    "pytest_bdd": "`wingcloud docs traces` (it runs the scenarios)",
    "boto3": "deploying to AWS",
    "moto": "the offline AWS stack",
}


class CommandError(RuntimeError):
    """A command cannot go on; the message is complete (what, which value, the fix)."""


def one_line(error: BaseException) -> str:
    """The message a person needs for `error`, without a traceback."""
    if isinstance(error, CommandError | MissingToolError):
        return str(error)
    if isinstance(error, ModuleNotFoundError):
        top = (error.name or "").split(".")[0]
        needed = _EXTRAS.get(top)
        if needed:
            return f"the Python package {top!r} is missing; {needed} needs the dev extras: pip install -e '.[dev]'"
        return f"the Python package {top!r} is missing: pip install -e . (in the project's virtualenv)"
    if isinstance(error, PermissionError):
        return f"permission denied: {error.filename or error}"
    if isinstance(error, FileNotFoundError) and error.filename:
        return f"no such file or directory: {error.filename}"
    if isinstance(error, OSError) and error.strerror:
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror}{where}"
    return f"{type(error).__name__}: {error}"
