"""What the database and the code name is shown in the reader's language: model choices,
region names, Cloud Trace's services and resource types, dates (always with their offset)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

from console.audit.presentation import RESOURCE_TYPES, SERVICE_NAMES, service_label
from console.models import REGION_NAMES, Region, User

ROOT = Path(settings.BASE_DIR)
TEMPLATES = ROOT / "templates"


def chinese(text: object) -> str:
    with translation.override("zh-hans"):
        return str(text)


def choice_fields():
    for model in apps.get_models():
        if model._meta.app_label in {"admin", "auth", "contenttypes", "sessions", "axes"}:
            continue
        for field in model._meta.get_fields():
            if getattr(field, "choices", None) and not field.auto_created:
                yield model, field


def test_every_model_choice_is_translated():
    untranslated = []
    for model, field in choice_fields():
        if (model, field.name) == (User, "language"):
            continue  # each language is named in itself
        for value, label in field.flatchoices:
            english = str(label)
            # A name that is the same in every language: Linux, QCOW2, "—".
            proper = english.lower() == str(value).lower() or not re.search(r"[a-z]", english)
            if not proper and (not isinstance(label, Promise) or chinese(label) == english):
                untranslated.append(f"{model._meta.label}.{field.name}={value!r}: {english!r}")
    assert not untranslated, untranslated


def test_region_names_are_translated_and_unknown_ones_kept():
    with translation.override("zh-hans"):
        assert str(Region(code="eu-de", name="EU-Germany")) == "欧洲-德国"
        assert Region(code="eu-nl", name="EU-Netherlands").label == "欧洲-荷兰"
        assert Region(code="xx-1", name="Elsewhere-1").label == "Elsewhere-1"
        assert all(translation.gettext(name) != name for name in REGION_NAMES)


def source(*patterns: str) -> str:
    return "\n".join(p.read_text() for pattern in patterns for p in ROOT.glob(pattern))


def test_every_traced_service_and_resource_type_has_a_translated_name():
    code = source("console/**/*.py", "ims/**/*.py", "vaults/**/*.py")
    services = set(re.findall(r"service=\"(\w+)\"", code))
    types = set(re.findall(r"resource_type=\"(\w+)\"", code))
    assert {"IMS", "ECS", "IAM"} <= services and {"image", "server", "credential"} <= types
    assert services <= set(SERVICE_NAMES), services - set(SERVICE_NAMES)
    assert types <= set(RESOURCE_TYPES), types - set(RESOURCE_TYPES)
    for name in [*SERVICE_NAMES.values(), *RESOURCE_TYPES.values()]:
        assert chinese(name) != str(name), name
    with translation.override("zh-hans"):
        assert service_label("Console") == "控制台"
    assert service_label("IMS") == "IMS"


def test_templates_show_dates_only_through_when():
    """|when gives the reader's format and zone with its offset; |date gives neither."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in TEMPLATES.rglob("*.html")
        if re.search(r"\|\s*(date|time)\b", path.read_text())
    ]
    assert not offenders, offenders


def test_one_copy_control():
    offenders = [
        str(path.relative_to(ROOT))
        for path in TEMPLATES.rglob("*.html")
        if "data-copy" in path.read_text() and path.name != "_copy.html"
    ]
    assert not offenders, "use {% include 'console/_copy.html' %}: " + ", ".join(offenders)


@pytest.mark.django_db
def test_the_access_key_list_shows_status_and_date_in_chinese(world, recipient_client):
    from console.iam.services import access_key_create

    access_key_create(
        actor=world.recipient_user, project=world.recipient_de, password="console-demo"
    )
    with translation.override("zh-hans"):
        body = recipient_client.get("/iam/access-keys/", HTTP_ACCEPT_LANGUAGE="zh-hans").text
    assert "Enabled" not in body and "已启用" in body
    assert re.search(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}\xa0GMT[+-]\d{2}:\d{2}", body)
