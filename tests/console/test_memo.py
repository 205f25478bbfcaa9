"""{% memo %}: rows rendered once per content, never shown stale."""

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from console.kms.models import Key
from console.templatetags.console_memo import fingerprint, fragments
from ims.models import Image, ImageMember, ImageTag
from tests.factories import ImageFactory, ImageMemberFactory, KeyFactory, KeyGrantFactory

pytestmark = pytest.mark.django_db

URL = reverse("ims:shared_images")


@pytest.fixture(autouse=True)
def _empty_fragments():
    fragments.clear()
    yield
    fragments.clear()


def accepted(world, **image_kwargs):
    image = ImageFactory(owner=world.sharer_de, **image_kwargs)
    return ImageMemberFactory(image=image, project=world.recipient_de, status="accepted")


def loaded(member):
    return (
        ImageMember.objects.with_image()
        .with_key_access(member.project.tenant_id)
        .prefetch_related("image__tags")
        .get(pk=member.pk)
    )


class TestFingerprint:
    def test_changes_with_a_field_of_the_object_or_of_what_was_loaded_with_it(self, world):
        member = accepted(world, name="web")
        before = fingerprint(loaded(member))
        assert fingerprint(loaded(member)) == before
        Image.objects.filter(pk=member.image_id).update(name="web-2")
        renamed = fingerprint(loaded(member))
        assert renamed != before
        world.sharer.name = "Renamed Co"
        world.sharer.save()
        assert fingerprint(loaded(member)) != renamed

    def test_changes_with_prefetched_relations_and_annotations(self, world):
        key = KeyFactory(project=world.sharer_de)
        member = accepted(world, kms_key=key)
        before = fingerprint(loaded(member))
        ImageTag.objects.create(image=member.image, key="env", value="prod")
        tagged = fingerprint(loaded(member))
        assert tagged != before
        KeyGrantFactory(key=key, grantee=world.recipient)
        assert fingerprint(loaded(member)) != tagged

    def test_a_cycle_through_prefetched_objects_ends(self, world):
        member = accepted(world)
        ImageTag.objects.create(image=member.image, key="env", value="")
        assert hash(fingerprint(loaded(member)))


class TestMemoTag:
    def test_renders_once_per_content_and_language(self, world):
        template = Template(
            "{% load console_memo %}{% memo member %}{{ member.image.name }}"
            "{% translate 'Reject' %}{% endmemo %}"
        )
        member = loaded(accepted(world, name="web"))
        assert template.render(Context({"member": member})) == "webReject"
        assert len(fragments._items) == 1
        assert template.render(Context({"member": member})) == "webReject"
        assert len(fragments._items) == 1
        with translation.override("zh-hans"):
            assert template.render(Context({"member": member})) == "web拒绝"
        with timezone.override("Asia/Shanghai"):
            template.render(Context({"member": member}))
        assert len(fragments._items) == 3

    def test_two_tags_on_one_value_keep_their_own_fragments(self, world):
        template = Template(
            "{% load console_memo %}<{% memo n %}first {{ n }}{% endmemo %}>"
            "<{% memo n %}second {{ n }}{% endmemo %}>"
        )
        assert template.render(Context({"n": 1})) == "<first 1><second 1>"
        assert template.render(Context({"n": 1})) == "<first 1><second 1>"

    def test_refuses_a_value_it_cannot_fingerprint(self, world):
        template = Template("{% load console_memo %}{% memo rows %}x{% endmemo %}")
        with pytest.raises(TypeError, match="cannot key on a ImageMemberQuerySet"):
            template.render(Context({"rows": ImageMember.objects.all()}))

    def test_a_limit_of_zero_or_less_keeps_nothing(self, world, settings):
        settings.CONSOLE_MEMO_FRAGMENTS = -1
        template = Template("{% load console_memo %}{% memo n %}{{ n }}{% endmemo %}")
        assert template.render(Context({"n": 1})) == "1"
        assert not fragments._items

    def test_keeps_nothing_with_debug_on(self, world, settings):
        settings.DEBUG = True
        template = Template("{% load console_memo %}{% memo n %}{{ n }}{% endmemo %}")
        assert template.render(Context({"n": 1})) == "1"
        assert not fragments._items

    def test_keeps_at_most_the_configured_number_of_fragments(self, world, settings):
        settings.CONSOLE_MEMO_FRAGMENTS = 3
        template = Template("{% load console_memo %}{% memo n %}{{ n }}{% endmemo %}")
        rendered = [template.render(Context({"n": n})) for n in range(5)]
        assert rendered == ["0", "1", "2", "3", "4"]
        assert len(fragments._items) == 3


class TestSharedListIsNeverStale:
    """The page reads the rows on every request; a change shows at once in the next one."""

    def test_rename_tags_and_key_state_show_on_the_next_request(self, world, recipient_client):
        key = KeyFactory(project=world.sharer_de)
        KeyGrantFactory(key=key, grantee=world.recipient)
        member = accepted(world, name="web", kms_key=key)
        page = recipient_client.get(URL).content.decode()
        assert "web" in page and "Unavailable" not in page
        Image.objects.filter(pk=member.image_id).update(name="web-renamed")
        ImageTag.objects.create(image=member.image, key="env", value="prod")
        page = recipient_client.get(URL).content.decode()
        assert "web-renamed" in page and 'data-tag="env=prod"' in page
        Key.objects.filter(pk=key.pk).update(state=Key.State.DISABLED)
        assert "Unavailable" in recipient_client.get(URL).content.decode()

    def test_each_project_sees_its_own_rows(self, world, recipient_client, sharer_client):
        accepted(world, name="only-for-the-recipient")
        assert "only-for-the-recipient" in recipient_client.get(URL).content.decode()
        assert "only-for-the-recipient" not in sharer_client.get(URL).content.decode()

    def test_language_of_the_rows_follows_the_user(self, world, recipient_client):
        accepted(world, name="web")
        assert "Apply for Server" in recipient_client.get(URL).content.decode()
        world.recipient_user.language = "zh-hans"
        world.recipient_user.save()
        page = recipient_client.get(URL).content.decode()
        assert "Apply for Server" not in page
