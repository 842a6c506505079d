"""The ``qorgau`` command: Django's manage.py for this project (``qorgau migrate``, ...)."""

from __future__ import annotations

import os
import sys

# Exit status when the settings refuse to load (e.g. production without its secrets).
EXIT_MISCONFIGURED = 2


def load_settings_or_exit() -> None:
    """Load the settings now, so that a refused configuration ends in one readable message.

    ``settings.py`` raises ``ImproperlyConfigured`` when production lacks its secrets or a
    variable cannot be parsed. Left to Django, that surfaces as a long traceback from deep in
    the import machinery with the useful message at the very end; the operator needs only the
    message. This runs before Django is set up, so the text is English only (no gettext yet).
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qorgau.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 - the attribute access imports the settings
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"{exc}\n")
        raise SystemExit(EXIT_MISCONFIGURED) from None


def main() -> None:
    load_settings_or_exit()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
