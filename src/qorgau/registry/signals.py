"""Signals the registry sends where it writes rows without the models' own signals.

The bulk import and the participants of a newly registered incident are written with
``bulk_create`` or plain inserts, which send no ``post_save``. Parts above the registry that
follow its records (monitoring notes which days to recount) listen to ``records_stored``.
"""

from __future__ import annotations

from django.dispatch import Signal

# sender: the model whose rows were stored; pks: their primary keys (a list of int);
# records (optional): the rows as this write created them, in the order of pks, each with its
# ``pk`` and the model's attribute names of the columns written (``district_id``), so that a
# listener can read what it needs from them instead of reading the rows back.
records_stored = Signal()
