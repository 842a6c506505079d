"""Filters that show stored texts and codes in the reader's language (a built-in library)."""

from __future__ import annotations

from django import template
from django.apps import apps

from qorgau.coordination.models import reason_labels
from qorgau.lib.phrases import phrase as phrase_shown
from qorgau.monitoring.aggregates import forms_load
from qorgau.monitoring.breakdowns import breakdown_label
from qorgau.monitoring.catalogue import catalogue_load

register = template.Library()


@register.filter
def breakdown(stored: object) -> str:
    """A figure's breakdown ("sex=F") as its field's name and the choice's label."""
    return breakdown_label(str(stored or ""))


@register.filter
def phrase(text: object) -> str:
    """A synthetic country's fixed text in the reader's language; any other text as entered."""
    return phrase_shown(text)


@register.filter
def model_name(label: object) -> str:
    """``registry.behaviourrequirement`` as the model's verbose name ("behaviour requirement",
    translated): the audit trail stores the label, a reader needs the name."""
    text = "" if label is None else str(label)
    app_label, _dot, name = text.partition(".")
    try:
        return str(apps.get_model(app_label, name)._meta.verbose_name)
    except (LookupError, ValueError):
        return text


@register.filter
def case_reasons(reasons: object) -> str:
    """Why a case is proposed for a conference, in words: the stored codes are not for readers."""
    return reason_labels(reasons if isinstance(reasons, list | set | tuple) else ())


@register.filter
def report_form_name(code: object) -> str:
    """An aggregate report form's name in the reader's language (stored as its code)."""
    form = forms_load()[0].get(str(code))
    return form.label() if form else str(code)


@register.filter
def indicator_name(code: object) -> str:
    """An indicator's name in the reader's language (files and rows carry its code)."""
    try:
        return catalogue_load().get(str(code)).label()
    except KeyError:
        return str(code)
