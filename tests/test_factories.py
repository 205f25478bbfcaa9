"""Every factory in tests/factories.py builds a valid, saved object; every model has one."""

from __future__ import annotations

import inspect

import pytest
from django.apps import apps
from factory.django import DjangoModelFactory

from tests import factories
from tests.test_architecture import ORDER

FACTORIES = sorted(
    (
        obj
        for obj in vars(factories).values()
        if inspect.isclass(obj)
        and issubclass(obj, DjangoModelFactory)
        and obj is not DjangoModelFactory
        and obj.__module__ == factories.__name__
    ),
    key=lambda f: f.__name__,
)
PROJECT_APPS = ORDER


@pytest.mark.django_db
@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda f: f.__name__)
def test_factory_builds_a_valid_saved_object(factory_class):
    model = factory_class._meta.model
    # Two objects: sequences and get-or-create must not collide on unique columns.
    first, second = factory_class(), factory_class()

    for obj in (first, second):
        assert obj.pk is not None
        obj.full_clean()
        fresh = model._default_manager.get(pk=obj.pk)
        fresh.full_clean()
    assert first.pk != second.pk


def test_every_model_has_a_factory():
    covered = {f._meta.model for f in FACTORIES}
    models = {m for label in PROJECT_APPS for m in apps.get_app_config(label).get_models()}

    missing = sorted(m._meta.label for m in models - covered)
    assert not missing, f"Models without a factory: {missing}"


def test_factory_discovery_found_the_factories():
    # Guards the parametrization above against silently collecting nothing.
    names = {f.__name__ for f in FACTORIES}
    assert {"ImageFactory", "ImageMemberFactory", "VaultFactory", "BackupFactory"} <= names
