"""The event contract: loading, validating and analysing spec/asyncapi.yaml, and generating code from it."""

from pathlib import Path

from spec._errors import SpecError, SpecProblem

SPEC_PATH = Path(__file__).with_name("asyncapi.yaml")
OFFICIAL_SCHEMA_PATH = Path(__file__).with_name("asyncapi-3.0.0.schema.json")

__all__ = ["OFFICIAL_SCHEMA_PATH", "SPEC_PATH", "SpecError", "SpecProblem"]
