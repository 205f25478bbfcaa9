"""`field__any=[…]`: the same rows as `field__in`, with the list as one parameter on PostgreSQL."""

import pytest
from django.db import connection

from console.models import Project
from ims.models import ImageMember
from tests.factories import ImageMemberFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_matches_what_in_matches_on_keys_foreign_keys_and_text(world):
    members = [ImageMemberFactory(project=world.recipient_de) for _ in range(3)]
    ImageMemberFactory(project=world.recipient_nl)
    chosen = [members[0].pk, members[2].pk]
    assert set(ImageMember.objects.filter(pk__any=chosen)) == {members[0], members[2]}
    by_image = ImageMember.objects.filter(image__any=[members[1].image_id])
    assert list(by_image) == [members[1]]
    codes = [world.recipient_de.project_id, "0" * 32]
    assert list(Project.objects.filter(project_id__any=codes)) == [world.recipient_de]


def test_an_empty_list_matches_nothing(world):
    member = ImageMemberFactory(project=world.recipient_de)
    assert not ImageMember.objects.filter(pk__any=[]).exists()
    assert list(ImageMember.objects.exclude(pk__any=[])) == [member]


def test_none_and_out_of_range_keys_match_nothing_as_with_in(world):
    member = ImageMemberFactory(project=world.recipient_de)
    other = ImageMemberFactory(project=world.recipient_de)
    for values in ([member.pk, None], [member.pk, 2**63], [member.pk, -(2**63) - 1]):
        assert list(ImageMember.objects.filter(pk__any=values)) == [member]
        assert list(ImageMember.objects.exclude(pk__any=values)) == [other]
    assert not ImageMember.objects.filter(pk__any=[None, 2**63]).exists()


def test_values_are_compared_whole_and_instances_by_their_key(world):
    code = world.recipient_de.project_id
    assert not Project.objects.filter(project_id__any=[code + "ff"]).exists()
    member = ImageMemberFactory(project=world.recipient_de)
    assert list(ImageMember.objects.filter(image__any=[member.image])) == [member]


def test_the_statement_is_the_same_whatever_the_number_of_values(world):
    projects = [ProjectFactory(region=world.de) for _ in range(5)]
    compiled = []
    for count in (2, 5):
        queryset = Project.objects.filter(pk__any=[p.pk for p in projects[:count]])
        assert len(queryset) == count
        compiled.append(queryset.query.sql_with_params())
    (small_sql, small_params), (large_sql, large_params) = compiled
    if connection.vendor == "postgresql":
        assert small_sql == large_sql and "= ANY(" in small_sql
        assert len(small_params) == len(large_params)
    else:
        assert len(large_params) - len(small_params) == 3
