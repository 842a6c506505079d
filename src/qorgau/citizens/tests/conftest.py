from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from qorgau.citizens.services import Submitted, report_submit
from qorgau.territory.models import Territory


@pytest.fixture
def submit(db: Any) -> Callable[..., Submitted]:
    def make(code: str, account: str = "Shouting next door", **fields: Any) -> Submitted:
        fields.setdefault("at_risk", "woman")
        return report_submit(district=Territory.objects.by_code(code), account=account, **fields)

    return make
