"""What the browser tests share: Debian's Chromium, its flags, axe-core and the skip rule.

A browser test is skipped only when no Chromium is installed and QORGAU_REQUIRE_BROWSER is
unset; `.ci/run` installs Chromium and sets QORGAU_REQUIRE_BROWSER=1, so CI never skips one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"  # axe-core from npm, see vendor/README.md

if not CHROMIUM and os.environ.get("QORGAU_REQUIRE_BROWSER"):
    raise RuntimeError("QORGAU_REQUIRE_BROWSER is set but no chromium is installed")

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium installed (apt-get install chromium)"),
]
