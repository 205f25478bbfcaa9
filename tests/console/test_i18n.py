"""English and 简体中文: the catalogue is complete, and pages, errors and messages speak both."""

from __future__ import annotations

import gettext
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from console.errors import ImsError
from console.models import User
from tests.conftest import htmx
from tests.factories import (
    ImageBackupFactory,
    ImageFactory,
    ImageMemberFactory,
    MessageFactory,
    VaultFactory,
)

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
TEMPLATE = ROOT / "locale" / "django.pot"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}|%%")
SHARED = reverse("ims:shared_images")
PREFERENCES = reverse("console:preferences")


def entries() -> list[polib.POEntry]:
    return [e for e in polib.pofile(str(CATALOGUE)) if not e.obsolete]


# ---------------------------------------------------------------------------------------------
# The catalogue


def test_every_message_is_translated_and_none_is_fuzzy():
    po = entries()
    assert len(po) > 600
    untranslated = [e.msgid for e in po if not e.translated()]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert untranslated == [] and fuzzy == []


def test_translations_keep_every_placeholder():
    for entry in entries():
        wanted = set(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]:
            assert set(PLACEHOLDER.findall(text)) == wanted, entry.msgid


def test_the_committed_mo_is_compiled_from_the_catalogue():
    with COMPILED.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in entries():
        if entry.msgid_plural:
            shown = compiled.npgettext if entry.msgctxt else None
            got = (
                shown(entry.msgctxt, entry.msgid, entry.msgid_plural, 2)
                if shown
                else compiled.ngettext(entry.msgid, entry.msgid_plural, 2)
            )
            assert got == entry.msgstr_plural[0], entry.msgid
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, entry.msgid


def test_the_committed_template_lists_exactly_the_catalogue_messages():
    pot = {(e.msgctxt, e.msgid) for e in polib.pofile(str(TEMPLATE)) if not e.obsolete}
    assert pot == {(e.msgctxt, e.msgid) for e in entries()}


@pytest.mark.skipif(not shutil.which("xgettext"), reason="gettext is not installed")
def test_makemessages_finds_no_new_message(tmp_path, monkeypatch, settings):
    """Every marked string of the code and templates is in the catalogue (needs gettext)."""
    for folder in ("console", "ims", "vaults", "templates"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.pyc"))
    locale = tmp_path / "locale"
    (locale / "zh_Hans" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(CATALOGUE, locale / "zh_Hans" / "LC_MESSAGES" / "django.po")
    settings.LOCALE_PATHS = [locale]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["zh_Hans"], no_obsolete=True, verbosity=0)
    fresh = {
        (e.msgctxt, e.msgid) for e in polib.pofile(str(locale / "zh_Hans/LC_MESSAGES/django.po"))
    }
    assert fresh == {(e.msgctxt, e.msgid) for e in entries()}


# ---------------------------------------------------------------------------------------------
# Templates: no text a user reads is outside a translate tag

# Language names are shown in their own language, as the real console's switch does.
ENDONYMS = {"English"}
SPOKEN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "label"}
BLOCKTRANSLATE = re.compile(r"{%\s*blocktrans(late)?\b.*?{%\s*endblocktrans(late)?\s*%}", re.S)
TRANSLATE = re.compile(r"{%\s*trans(late)?\s.*?%}", re.S)
VARIABLE = re.compile(r"{{.*?}}", re.S)
COMMENT = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)
TAG = re.compile(r"{%.*?%}", re.S)
CLASS_BLOCK = re.compile(r"{%\s*block body_class\s*%}.*?{%\s*endblock[^%]*%}", re.S)


class _Text(HTMLParser):
    SILENT = {"style", "script", "svg", "code"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._silent = 0

    def handle_starttag(self, tag, attrs):
        self._silent += tag in self.SILENT
        for name, value in attrs:
            if name in SPOKEN_ATTRIBUTES and value and re.search(r"[A-Za-z]{2,}", value):
                self.found.append(f'{name}="{value}"')

    def handle_endtag(self, tag):
        self._silent -= tag in self.SILENT and self._silent > 0

    def handle_data(self, data):
        if not self._silent and set(re.findall(r"[A-Za-z]{2,}", data)) - ENDONYMS:
            self.found.append(data.strip())


def untranslated(source: str) -> list[str]:
    """Text and spoken attributes of a template that no translate tag covers."""
    text = CLASS_BLOCK.sub("", COMMENT.sub("", source))
    for pattern, replacement in ((BLOCKTRANSLATE, "0"), (TRANSLATE, "0"), (VARIABLE, "0")):
        text = pattern.sub(replacement, text)
    parser = _Text()
    parser.feed(TAG.sub("", text))
    return parser.found


def test_the_scanner_finds_untranslated_text():
    assert untranslated('<p title="Hello there">{% translate "Ok" %} Plain words</p>') == [
        'title="Hello there"',
        "0 Plain words",
    ]
    assert untranslated("<p>{% blocktranslate %}All {{ n }} here{% endblocktranslate %}</p>") == []


# Included inside a tag: attributes, no text.
ATTRIBUTE_FRAGMENTS = {"templates/console/_dialog_open.html"}


@pytest.mark.parametrize(
    "template",
    sorted(
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "templates").rglob("*.html")
        if p.relative_to(ROOT).as_posix() not in ATTRIBUTE_FRAGMENTS
    ),
)
def test_every_template_string_is_marked_for_translation(template):
    assert untranslated((ROOT / template).read_text()) == []


# ---------------------------------------------------------------------------------------------
# Choosing the language


@pytest.mark.django_db
def test_the_browser_language_picks_chinese_before_login():
    response = Client(headers={"accept-language": "zh-CN,zh;q=0.9"}).get(reverse("console:login"))
    content = response.content.decode()
    assert '<html lang="zh-hans">' in content
    assert "登录控制台" in content and "IAM用户名" in content


@pytest.mark.django_db
def test_english_is_the_default():
    content = Client().get(reverse("console:login")).content.decode()
    assert '<html lang="en">' in content and "Log in to the console" in content


def test_the_header_switch_keeps_the_language_on_the_user_and_in_the_cookie(
    world, recipient_client
):
    response = recipient_client.post(PREFERENCES, {"language": "zh-hans", "next": SHARED})
    assert response.status_code == 302 and response["Location"] == SHARED
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert User.objects.get(pk=world.recipient_user.pk).language == "zh-hans"
    content = recipient_client.get(SHARED).content.decode()
    assert '<html lang="zh-hans">' in content
    assert "镜像服务" in content and "共享镜像" in content and "私有镜像" in content


def test_the_users_language_follows_them_to_another_browser(world):
    world.recipient_user.language = "zh-hans"
    world.recipient_user.save()
    client = Client(headers={"accept-language": "en"})
    client.force_login(world.recipient_user)
    assert "镜像服务" in client.get(SHARED).content.decode()


def test_an_unknown_language_is_refused_and_nothing_changes(world, recipient_client):
    response = recipient_client.post(PREFERENCES, {"language": "xx", "next": SHARED})
    assert response.status_code == 400
    assert User.objects.get(pk=world.recipient_user.pk).language == ""


@pytest.mark.django_db
def test_an_anonymous_visitor_keeps_the_language_in_the_cookie_only():
    client = Client()
    response = client.post(PREFERENCES, {"language": "zh-hans", "next": reverse("console:login")})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert "登录控制台" in client.get(reverse("console:login")).content.decode()


def test_the_switch_does_not_redirect_off_site(recipient_client):
    response = recipient_client.post(PREFERENCES, {"language": "en", "next": "https://evil.test/"})
    assert response["Location"] == SHARED


def test_the_header_offers_both_languages(recipient_client):
    content = recipient_client.get(SHARED).content.decode()
    assert 'name="language" value="en"' in content and 'name="language" value="zh-hans"' in content
    assert "简体中文" in content and "English" in content


def test_a_get_never_changes_the_language(world, recipient_client):
    assert recipient_client.get(PREFERENCES + "?language=zh-hans").status_code == 405
    assert User.objects.get(pk=world.recipient_user.pk).language == ""


# ---------------------------------------------------------------------------------------------
# Time zone


def test_times_are_shown_in_the_users_zone_with_the_offset(world, recipient_client):
    member = ImageMemberFactory(
        image=ImageFactory(owner=world.sharer_de, name="web"), project=world.recipient_de
    )
    member.created = member.created.replace(hour=1, minute=2, second=3, microsecond=0)
    member.save()
    assert "01:02:03\u00a0GMT+00:00" in recipient_client.get(SHARED).content.decode()
    response = recipient_client.post(PREFERENCES, {"time_zone": "Asia/Shanghai", "next": SHARED})
    assert response.status_code == 302
    assert User.objects.get(pk=world.recipient_user.pk).time_zone == "Asia/Shanghai"
    content = recipient_client.get(SHARED).content.decode()
    assert "09:02:03\u00a0GMT+08:00" in content
    assert '<option value="Asia/Shanghai" selected>(GMT+08:00) Asia/Shanghai</option>' in content


def test_chinese_dates_use_the_chinese_order(world, recipient_client):
    member = ImageMemberFactory(
        image=ImageFactory(owner=world.sharer_de, name="web"), project=world.recipient_de
    )
    recipient_client.post(PREFERENCES, {"language": "zh-hans", "next": SHARED})
    shown = member.created.strftime("%Y/%m/%d")
    assert shown in recipient_client.get(SHARED).content.decode()


def test_an_unknown_time_zone_is_refused(world, recipient_client):
    response = recipient_client.post(PREFERENCES, {"time_zone": "Mars/Olympus", "next": SHARED})
    assert response.status_code == 400
    assert User.objects.get(pk=world.recipient_user.pk).time_zone == ""


# ---------------------------------------------------------------------------------------------
# Errors, messages and notifications in both languages


def _full_ecs_share(world):
    member = ImageMemberFactory(
        image=ImageFactory(owner=world.sharer_de, full_ecs=True, name="full-app"),
        project=world.recipient_de,
    )
    ImageBackupFactory(image=member.image, size_gb=100, device="/dev/vda")
    return member


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Insufficient vault capacity. Please expand the capacity."),
        ("zh-hans", "存储库容量不足，请扩容。"),
    ],
)
def test_an_img_error_is_shown_in_the_users_language(world, recipient_client, language, expected):
    member = _full_ecs_share(world)
    vault = VaultFactory(project=world.recipient_de, capacity_gb=50, name="small")
    recipient_client.post(PREFERENCES, {"language": language, "next": SHARED})
    response = recipient_client.post(
        reverse("ims:share_accept"),
        {"members": [member.pk], "vault": vault.vault_id, "from_dialog": "1"},
        headers=htmx("dialogs"),
    )
    body = response.content.decode()
    assert "IMG.0182" in body and expected in body
    if language == "zh-hans":
        assert "small可用容量为50 GB；需要100 GB。" in body


def test_an_error_raised_in_one_language_is_shown_in_the_other():
    with translation.override("en"):
        error = ImsError("IMG.0027")
    with translation.override("zh-hans"):
        assert str(error) == "IMG.0027 请求中的镜像ID不存在。"
    with translation.override("en"):
        assert str(error) == "IMG.0027 The image ID in the request does not exist."


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Other tenants have shared 2 images with you"),
        ("zh-hans", "其他租户向您共享了2个镜像"),
    ],
)
def test_plurals_in_both_languages(world, recipient_client, language, expected):
    for name in ("a", "b"):
        ImageMemberFactory(
            image=ImageFactory(owner=world.sharer_de, name=name), project=world.recipient_de
        )
    recipient_client.post(PREFERENCES, {"language": language, "next": SHARED})
    assert expected in recipient_client.get(SHARED).content.decode()


def test_a_django_message_is_in_the_users_language(world, recipient_client):
    member = ImageMemberFactory(
        image=ImageFactory(owner=world.sharer_de, name="web"), project=world.recipient_de
    )
    recipient_client.post(PREFERENCES, {"language": "zh-hans", "next": SHARED})
    response = recipient_client.post(
        reverse("ims:share_accept"), {"members": [member.pk]}, follow=True
    )
    assert "已接受1个镜像。" in response.content.decode()


def test_a_share_notification_is_read_in_the_readers_language(world, sharer_client):
    image = ImageFactory(owner=world.sharer_de, name="web")
    sharer_client.post(
        reverse("ims:image_share"),
        {"image": [image.pk], "project_ids": world.recipient_de.project_id},
    )
    reader = Client()
    reader.force_login(world.recipient_user)
    reader.post(PREFERENCES, {"language": "zh-hans", "next": SHARED})
    content = reader.get(reverse("audit:message_list")).content.decode()
    assert "Sharer Co向您共享了1个镜像" in content
    assert "如需使用，请在欧洲-德国镜像服务的“共享镜像”页签中接受。" in content
    reader.post(PREFERENCES, {"language": "en", "next": SHARED})
    content = reader.get(reverse("audit:message_list")).content.decode()
    assert "Sharer Co shared 1 image with you" in content


def test_a_message_without_a_known_kind_shows_its_stored_text(world, recipient_client):
    MessageFactory(project=world.recipient_de, title="Stored title", kind="gone.kind")
    recipient_client.post(PREFERENCES, {"language": "zh-hans", "next": SHARED})
    assert "Stored title" in recipient_client.get(reverse("audit:message_list")).content.decode()


def test_form_labels_and_errors_are_translated(world, recipient_client):
    recipient_client.post(PREFERENCES, {"language": "zh-hans", "next": SHARED})
    response = recipient_client.post(
        reverse("vaults:vault_create"),
        {"name": "bad name!", "resource_type": "server", "protection_type": "backup"},
    )
    content = response.content.decode()
    assert "存储库容量（GB）" in content
    assert "请输入有效的存储库名称" in content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Authentication required"), ("zh-CN,zh;q=0.9", "需要认证")],
)
def test_api_errors_are_in_the_clients_language(language, expected):
    response = Client(headers={"accept-language": language}).get("/api/ims/v2/images")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "IAM.0002"
    assert expected in response.json()["error"]["message"]
