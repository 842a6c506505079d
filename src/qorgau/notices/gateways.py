"""The message gateway: how a text leaves Qorgau for her phone.

The daily job (:mod:`qorgau.notices.job`) knows nothing of providers: it calls
:meth:`MessageGateway.send` on the gateway named by ``QORGAU_MESSAGE_GATEWAY`` (a dotted path to
a class built with no arguments). The contract, for whoever plugs in an SMS or messenger
provider (``docs/notices.md``):

* ``send(channel, to, text)`` returns a :class:`GatewayReceipt` once the provider has *accepted*
  the message (its own message id as ``reference``);
* it raises :class:`GatewayError` (or any exception) when the message was not accepted: the
  job keeps the message queued and tries again on its next run, and marks it failed after
  :data:`~qorgau.notices.models.MAX_ATTEMPTS` attempts;
* it never logs or keeps ``to`` or ``text`` anywhere of its own (they are personal data, kept
  encrypted by Qorgau), and an error's message must not contain them either;
* it does not retry by itself for long: a call should end within seconds (the job sends the
  messages one after another).

:class:`LocalOutboxGateway`, the default, sends nothing: it keeps each message, encrypted, in
:class:`~qorgau.notices.models.OutboxEntry`, which the outbox page shows. No network, offline by
design — for development, demonstrations and tests.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.utils.module_loading import import_string

from qorgau.lib.crypto import encrypt_text
from qorgau.notices.models import OutboxEntry


@dataclass(frozen=True)
class GatewayReceipt:
    """The provider's word that it took the message: its reference for the message."""

    reference: str


class GatewayError(Exception):
    """The message was not accepted (provider down, refused, unknown recipient, ...).

    Its text is recorded as the message's reason: never put the recipient or the text in it.
    """


@runtime_checkable
class MessageGateway(Protocol):
    def send(self, channel: str, to: str, text: str) -> GatewayReceipt:
        """Hand one text to the provider for ``to`` over ``channel`` (a ``Channel`` value)."""
        ...


class LocalOutboxGateway:
    """Keeps what would be sent in the local outbox table; nothing leaves the machine."""

    is_local = True

    def send(self, channel: str, to: str, text: str) -> GatewayReceipt:
        entry = OutboxEntry.objects.create(
            reference=f"local-{uuid.uuid4().hex}",
            channel=channel,
            to_token=encrypt_text(to),
            text_token=encrypt_text(text),
        )
        return GatewayReceipt(reference=entry.reference)


def gateway_path() -> str:
    return str(settings.QORGAU_MESSAGE_GATEWAY)


def configured_gateway() -> MessageGateway:
    """A fresh instance of the gateway the settings name."""
    gateway_class = import_string(gateway_path())
    gateway = gateway_class()
    if not isinstance(gateway, MessageGateway):
        raise TypeError(f"{gateway_path()} has no send(channel, to, text) method")
    return gateway


def local_gateway_in_use() -> bool:
    """Whether the configured gateway is the local outbox (the outbox page says so)."""
    try:
        gateway_class = import_string(gateway_path())
    except ImportError:
        return False
    return bool(getattr(gateway_class, "is_local", False))
