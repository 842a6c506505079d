"""Messages of Django and django-filter that our pages show, copied into our catalogues.

Django's Kazakh catalogue lacks some of them (the sign-in error among them) and spells "user"
as «қолданушы» where the official term is «пайдаланушы»; django-filter has no Kazakh at all.
Our catalogues take precedence over the libraries', so listing a message here (never called:
``makemessages`` only reads it) lets us translate it, and the completeness test keeps it
translated.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop, ngettext


def _messages() -> None:  # pragma: no cover - read by makemessages, never run
    gettext_noop(
        "Please enter a correct %(username)s and password. Note that both fields may be "
        "case-sensitive."
    )
    gettext_noop("This account is inactive.")
    gettext_noop("Enter a valid email address.")
    gettext_noop("This field is required.")
    gettext_noop("Select a valid choice. That choice is not one of the available choices.")
    gettext_noop("Enter a valid date.")
    gettext_noop("A user with that username already exists.")
    gettext_noop(
        "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ "
        "characters."
    )
    gettext_noop("The two password fields didn’t match.")
    gettext_noop("Old password")
    gettext_noop("New password")
    gettext_noop("New password confirmation")
    gettext_noop("Your old password was entered incorrectly. Please enter it again.")
    gettext_noop("The password is too similar to the %(verbose_name)s.")
    gettext_noop("This password is too common.")
    gettext_noop("This password is entirely numeric.")
    gettext_noop("Your password can’t be too similar to your other personal information.")
    gettext_noop("Your password can’t be a commonly used password.")
    gettext_noop("Your password can’t be entirely numeric.")
    ngettext(
        "This password is too short. It must contain at least %(min_length)d character.",
        "This password is too short. It must contain at least %(min_length)d characters.",
        0,
    )
    ngettext(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        0,
    )
    # django-filter's boolean choices
    gettext_noop("Unknown")
    gettext_noop("Yes")
    gettext_noop("No")
