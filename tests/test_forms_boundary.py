"""Every form of the service passes the one text boundary (issue 20): a form added later that inherits
FlaskForm directly would let control characters and lone surrogates in without a word."""

from __future__ import annotations

import importlib
import pkgutil

from flask_wtf import FlaskForm

import forms
from forms import BoundaryForm


def all_subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= all_subclasses(sub)
    return found


def test_every_form_of_the_service_inherits_the_text_boundary() -> None:
    for module in pkgutil.iter_modules(forms.__path__):
        importlib.import_module(f"forms.{module.name}")
    ours = {cls for cls in all_subclasses(FlaskForm) if cls.__module__.startswith("forms")}
    assert len(ours) >= 20  # the forms of every area were found
    outside = sorted(cls.__qualname__ for cls in ours if not issubclass(cls, BoundaryForm))
    assert outside == []
