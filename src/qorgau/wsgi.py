"""The WSGI application; a refused configuration stops the server with one clean message."""

from qorgau.manage import load_settings_or_exit

load_settings_or_exit()

from django.core.wsgi import get_wsgi_application  # noqa: E402 - after the settings check

application = get_wsgi_application()
