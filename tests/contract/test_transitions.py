"""The environment state machine in the spec and in the environment manager's code are one table."""

from services.environments.rules import TRANSITIONS
from spec.contract import Contract


def test_the_code_table_equals_the_spec_table() -> None:
    status = Contract.load().schema_components()["EnvironmentStatus"]
    in_spec = {
        trigger: {source: set(targets) for source, targets in table.items()}
        for trigger, table in status["x-transitions"].items()
    }
    in_code = {
        trigger.value: {source.value: {t.value for t in targets} for source, targets in table.items()}
        for trigger, table in TRANSITIONS.items()
    }
    assert in_code == in_spec
    assert set(status["enum"]) >= {s for table in in_spec.values() for s in table}
