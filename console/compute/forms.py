"""ECS and EVS forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from console.compute.services import (
    DATA_DISK_MAX_GB,
    DATA_DISK_MIN_GB,
    FLAVORS,
    NAME_MAX,
    NAME_RE,
    NAME_RULE,
    SERVER_MAX_QUANTITY,
    SYSTEM_DISK_MAX_GB,
)
from console.forms import ScopedObjectField
from console.models import Project
from ims.models import Image
from ims.services import system_disk_min_gb

name_validator = RegexValidator(
    NAME_RE, format_lazy(gettext_lazy("Enter a valid name: {rule}."), rule=NAME_RULE)
)


def _zone_choices(project: Project) -> list[tuple[str, str]]:
    return [(zone, zone) for zone in project.region.availability_zones or []]


class ServerCreateForm(forms.Form):
    """Buy ECS: image, availability zone, flavor, system disk, name and quantity."""

    image = ScopedObjectField(error_messages={"required": gettext_lazy("Select an image.")})
    availability_zone = forms.ChoiceField(label=gettext_lazy("AZ"))
    flavor = forms.ChoiceField(
        label=gettext_lazy("Flavor"), choices=[(name, name) for name in FLAVORS]
    )
    system_disk_gb = forms.IntegerField(
        label=gettext_lazy("System disk (GB)"), min_value=1, max_value=SYSTEM_DISK_MAX_GB
    )
    name = forms.CharField(
        label=gettext_lazy("ECS Name"), max_length=NAME_MAX, validators=[name_validator]
    )
    quantity = forms.IntegerField(
        label=gettext_lazy("Quantity"), min_value=1, max_value=SERVER_MAX_QUANTITY, initial=1
    )

    @classmethod
    def first_open(
        cls, project: Project, image: Image | None, system_disk_gb: int
    ) -> ServerCreateForm:
        """The form as Buy ECS first shows it: the first zone, a small flavor, one server."""
        return cls(
            project=project,
            initial={
                "image": image.pk if image else None,
                "availability_zone": (project.region.availability_zones or [""])[0],
                "flavor": "s3.medium.2",
                "system_disk_gb": system_disk_gb,
                "quantity": 1,
                "name": "ecs-" + project.project_id[:4],
            },
        )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["image"].queryset = Image.objects.visible_to(project).select_related(
            "owner", "kms_key"
        )
        self.fields["availability_zone"].choices = _zone_choices(project)

    def clean(self) -> dict[str, Any]:
        """The system disk fits the image; several servers leave room for the -0001 suffix."""
        data = super().clean()
        image, size = data.get("image"), data.get("system_disk_gb")
        if image is not None and size is not None and size < (minimum := system_disk_min_gb(image)):
            self.add_error(
                "system_disk_gb",
                _("The system disk must be at least %(size)s GB for %(image)s.")
                % {"size": minimum, "image": image.name},
            )
        name, quantity = data.get("name"), data.get("quantity")
        if name and quantity and quantity > 1 and len(name) > NAME_MAX - 5:
            self.add_error(
                "name",
                _(
                    "With a quantity above 1 the name may have at most %(count)s characters, "
                    "because a suffix such as -0001 is added."
                )
                % {"count": NAME_MAX - 5},
            )
        return data


IMAGE_TABS = [
    ("public", gettext_lazy("Public Image")),
    ("private", gettext_lazy("Private Image")),
    ("shared", gettext_lazy("Shared Image")),
]


class ImagePickerQueryForm(forms.Form):
    """Query of a follow-up page: the image tab shown and an image to preselect."""

    tab = forms.ChoiceField(required=False, choices=IMAGE_TABS)
    image = ScopedObjectField(required=False)
    system_disk_gb = forms.IntegerField(required=False, min_value=1)
    size_gb = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["image"].queryset = Image.objects.visible_to(project).select_related(
            "owner", "kms_key"
        )


class ServerStopForm(forms.Form):
    """Stop ECS: confirmed, optionally forcibly (as pulling the power: unsaved data is lost)."""

    force = forms.BooleanField(label=gettext_lazy("Forcibly stop"), required=False)


class ServerChangeOsForm(forms.Form):
    """Change OS: the new system disk image."""

    image = ScopedObjectField(error_messages={"required": gettext_lazy("Select an image.")})

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["image"].queryset = Image.objects.visible_to(project).select_related(
            "owner", "kms_key"
        )


class DiskCreateForm(forms.Form):
    """Create an EVS data disk, empty or from a data disk image."""

    name = forms.CharField(
        label=gettext_lazy("Disk Name"), max_length=NAME_MAX, validators=[name_validator]
    )
    availability_zone = forms.ChoiceField(label=gettext_lazy("AZ"))
    size_gb = forms.IntegerField(
        label=gettext_lazy("Capacity (GB)"), min_value=DATA_DISK_MIN_GB, max_value=DATA_DISK_MAX_GB
    )
    image = ScopedObjectField(required=False)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["image"].queryset = Image.objects.visible_to(project).select_related(
            "owner", "kms_key"
        )
        self.fields["availability_zone"].choices = _zone_choices(project)

    def clean(self) -> dict[str, Any]:
        """A disk from an image is at least the image's capacity."""
        data = super().clean()
        image, size = data.get("image"), data.get("size_gb")
        if image is not None and size is not None and size < image.min_disk_gb:
            self.add_error(
                "size_gb",
                _("The disk must be at least %(size)s GB for %(image)s.")
                % {"size": image.min_disk_gb, "image": image.name},
            )
        return data
