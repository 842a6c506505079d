"""Method files: the default is valid; every mistake is named by its key and reason."""

from __future__ import annotations

import pytest

from qorgau.monitoring.catalogue import catalogue_load
from qorgau.rating.methods import MethodError, builtin_files, method_parse

MINIMAL = """
name: test
version: 1
normalisation: minmax
aggregation: arithmetic
groups:
  - {code: index}
  - {code: protection, parent: index}
indicators:
  - {code: order_check_compliance, direction: 1, weight: 1, parent: protection}
"""


def test_the_shipped_default_method_is_valid_and_scores_no_context_indicator():
    catalogue = catalogue_load()
    (name, version, path), *_ = builtin_files()
    parsed = method_parse(path.read_text(), catalogue=catalogue)
    assert (name, version) == ("default", 1)
    assert all(catalogue.get(code).better != "context" for code in parsed.method.codes)
    scored = set(parsed.method.codes)
    assert {"reporting_ratio", "domestic_homicide_rate", "repeat_victimisation"} <= scored
    assert not scored & {"incidents_rate", "victims_rate", "orders_rate"}


@pytest.mark.parametrize(
    ("change", "key", "reason"),
    [
        (("normalisation: minmax", "normalisation: sigmoid"), "normalisation", "not one of"),
        (("aggregation: arithmetic", "aggregation: median"), "aggregation", "not one of"),
        (("direction: 1,", "direction: 2,"), "indicators[0].direction", "1 (higher"),
        (("parent: protection}", "parent: nowhere}"), "indicators[0].parent", "not a group"),
        (("weight: 1,", "weight: heavy,"), "indicators[0].weight", "not a number"),
        (("- {code: index}", "- {code: index, parent: protection}"), "groups", "exactly one"),
        (("version: 1", "version: 0"), "version", "whole number"),
        (
            ("aggregation: arithmetic", "aggregation: geometric"),
            "aggregation",
            "positive normalised values",
        ),
        (("normalisation: minmax", "normalisation: target"), "indicators[0].target", "target"),
    ],
)
def test_a_broken_file_names_the_key_and_the_reason(change, key, reason):
    with pytest.raises(MethodError) as error:
        method_parse(MINIMAL.replace(*change))
    assert error.value.key == key
    assert reason in error.value.reason


def test_against_the_catalogue_context_indicators_and_wrong_directions_are_refused():
    catalogue = catalogue_load()
    method_parse(MINIMAL, catalogue=catalogue)
    with pytest.raises(MethodError, match="context only"):
        method_parse(
            MINIMAL.replace("order_check_compliance", "incidents_rate"), catalogue=catalogue
        )
    with pytest.raises(MethodError, match="higher is better|says higher"):
        method_parse(MINIMAL.replace("direction: 1,", "direction: -1,"), catalogue=catalogue)
    with pytest.raises(MethodError, match="not in the catalogue"):
        method_parse(MINIMAL.replace("order_check_compliance", "happiness"), catalogue=catalogue)


def test_not_yaml_and_not_a_mapping():
    with pytest.raises(MethodError, match="not valid YAML"):
        method_parse("groups: [")
    with pytest.raises(MethodError, match="mapping"):
        method_parse("- a\n- b\n")
