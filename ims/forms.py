"""IMS forms: the owner's tabs and dialogs, and the recipient's Images Shared with Me."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from console.forms import ScopedObjectField
from console.kms.models import Key
from console.models import Project
from ims import services
from ims.models import Image, ImageMember
from ims.services import MAX_PROJECT_IDS_PER_SHARE, normalize_project_ids
from ims.services.attributes import MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH
from ims.services.tags import TAG_KEY_MAX, TAG_VALUE_MAX

# Commas separate the IDs; spaces, tabs and line breaks around them are tolerated.
PROJECT_ID_SEPARATORS = re.compile(r"[\s,]+")
# Error codes of a multiple-choice field given a value outside its queryset or choices.
FOREIGN_VALUE_CODES = ("invalid_choice", "invalid_pk_value", "invalid_list")


def parse_project_ids(text: str) -> list[str]:
    """Split the Project ID textarea into IDs."""
    return normalize_project_ids(PROJECT_ID_SEPARATORS.split(text or ""))


class TagSearchFields(forms.Form):
    """Search by Tag: a tag key, and optionally its value (blank: any value)."""

    tag_key = forms.CharField(required=False, max_length=TAG_KEY_MAX, label=gettext_lazy("Tag key"))
    tag_value = forms.CharField(
        required=False, max_length=TAG_VALUE_MAX, label=gettext_lazy("Tag value")
    )

    def tag_filter(self, prefix: str = "") -> dict[str, str]:
        """Lookups for the images' tags (one join: a key has one value per image)."""
        data = self.cleaned_data if self.is_valid() else {}
        key = (data.get("tag_key") or "").strip()
        if not key:
            return {}
        lookups = {f"{prefix}tags__key": key}
        if value := (data.get("tag_value") or "").strip():
            lookups[f"{prefix}tags__value"] = value
        return lookups


class ImageTagForm(forms.Form):
    """Add Tag: a key and an optional value (the service checks the documented rules)."""

    # The browser stops at the documented lengths; a longer value posted anyway gets the
    # service's refusal (with its IMG code), not the form's generic one.
    key = forms.CharField(
        label=gettext_lazy("Tag key"), widget=forms.TextInput(attrs={"maxlength": TAG_KEY_MAX})
    )
    value = forms.CharField(
        required=False,
        label=gettext_lazy("Tag value"),
        widget=forms.TextInput(attrs={"maxlength": TAG_VALUE_MAX}),
    )


class PrivateImageFilterForm(TagSearchFields):
    """Search, image type filter, Search by Tag and paging of the Private Images tab."""

    q = forms.CharField(
        required=False, max_length=MAX_NAME_LENGTH, label=gettext_lazy("Image name")
    )
    type = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Image type"),
        choices=[("", gettext_lazy("All images")), *Image.ImageType.choices],
    )
    page = forms.CharField(required=False, max_length=12)


class PublicImageFilterForm(forms.Form):
    """Search and paging of the Public Images tab."""

    q = forms.CharField(
        required=False, max_length=MAX_NAME_LENGTH, label=gettext_lazy("Image name")
    )
    page = forms.CharField(required=False, max_length=12)


class ImageSelectionForm(forms.Form):
    """The project's private images a Share Image dialog is about (query or hidden inputs)."""

    image = forms.ModelMultipleChoiceField(
        queryset=Image.objects.none(),
        widget=forms.MultipleHiddenInput,
        error_messages={"required": gettext_lazy("Select one or more images in the list first.")},
    )

    def __init__(self, *args: object, project: Project, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["image"].queryset = (
            Image.objects.owned_by(project).select_related("kms_key").order_by("name")
        )

    def names_foreign_image(self) -> bool:
        """Whether an image ID is not one of the project's images (answered with 404)."""
        return any(self.has_error("image", code) for code in FOREIGN_VALUE_CODES)


class ImagesDeleteForm(ImageSelectionForm):
    """Delete Image: the selected images and whether full-ECS images' backups go too."""

    delete_backups = forms.BooleanField(
        required=False,
        label=gettext_lazy("Delete CSBS backups or cloud server backups of the full-ECS images"),
    )


class ProjectIdsForm(forms.Form):
    """Recipients typed into the Share Image or Add Tenant dialog."""

    project_ids = forms.CharField(
        label=gettext_lazy("Project ID"),
        max_length=10_000,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": gettext_lazy("Separate multiple project IDs with commas (,)."),
                "spellcheck": "false",
                "autocomplete": "off",
                "autofocus": True,
            }
        ),
        error_messages={"required": gettext_lazy("Enter one or more project IDs.")},
    )

    def clean_project_ids(self) -> list[str]:
        """Split the IDs; at most 100 per submission."""
        ids = parse_project_ids(self.cleaned_data["project_ids"])
        if not ids:
            raise forms.ValidationError(_("Enter one or more project IDs."), code="required")
        if len(ids) > MAX_PROJECT_IDS_PER_SHARE:
            raise forms.ValidationError(
                _("Enter at most %(max)s project IDs at a time; you entered %(count)s.")
                % {"max": MAX_PROJECT_IDS_PER_SHARE, "count": len(ids)},
                code="too_many",
            )
        return ids


class RecipientSelectionForm(forms.Form):
    """Recipients of one image to stop sharing with, by project ID."""

    recipients = forms.MultipleChoiceField(
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy("Select at least one project to stop sharing with.")
        },
    )

    def __init__(self, *args: object, members: list[ImageMember], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipients"].choices = [
            (m.project.project_id, m.project.project_id) for m in members
        ]

    def names_foreign_recipient(self) -> bool:
        """Whether a project ID is not a recipient of the image (answered with 404)."""
        return any(self.has_error("recipients", code) for code in FOREIGN_VALUE_CODES)


class SharedListFilterForm(TagSearchFields):
    """Search, filter, Search by Tag and paging of the shared lists."""

    VIEWS = [("accepted", gettext_lazy("Accepted")), ("rejected", gettext_lazy("Rejected Images"))]

    q = forms.CharField(
        required=False, max_length=MAX_NAME_LENGTH, label=gettext_lazy("Image name")
    )
    type = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Image type"),
        choices=[("", gettext_lazy("All images")), *Image.ImageType.choices],
    )
    view = forms.ChoiceField(required=False, choices=VIEWS)
    page = forms.CharField(required=False, max_length=12)
    pending_page = forms.CharField(required=False, max_length=12)


class MemberSelectionForm(forms.Form):
    """The shares an action applies to: chosen rows, or every pending share."""

    members = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    all = forms.BooleanField(required=False)
    vault = forms.UUIDField(required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Any integer is a well-formed choice; whether it is this project's share is
        # decided by the view, which answers 404 for anything else (D13).
        self.fields["members"].valid_value = lambda value: str(value).isdigit()

    def clean(self) -> dict[str, object]:
        """Require a selection unless the action is for every pending share."""
        data = super().clean()
        if not data.get("all") and not data.get("members"):
            raise forms.ValidationError(_("Select at least one image."))
        return data


class ImageReplicateForm(forms.Form):
    """Replicate Image: the copy's name, description and, for encrypted images, own key."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=MAX_NAME_LENGTH)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=MAX_DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    kms_key = ScopedObjectField(lookup="key_id", required=False, label=gettext_lazy("KMS key"))

    def __init__(self, *args: Any, project: Project, image: Image, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"name": f"copy_{image.name}"[:MAX_NAME_LENGTH]})
        super().__init__(*args, **kwargs)
        self.fields["kms_key"].queryset = Key.objects.for_project(project)
        if image.encrypted:
            self.fields["kms_key"].required = True
            self.fields["kms_key"].error_messages["required"] = _(
                "Select a KMS key of your own to encrypt the copy."
            )


def _memory_choices(values: list[int]) -> list[tuple[int, object]]:
    return [(mb, lazy(services.memory_label, str)(mb)) for mb in values]


class ImageModifyForm(forms.Form):
    """Modify Image: name, description and, for images that start servers, memory limits.

    The rules are the service's refusal functions; the form only asks them.
    """

    name = forms.CharField(
        label=gettext_lazy("Name"),
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"maxlength": MAX_NAME_LENGTH}),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_DESCRIPTION_LENGTH}),
    )
    min_ram = forms.TypedChoiceField(
        label=gettext_lazy("Minimum Memory"),
        coerce=int,
        empty_value=0,
        required=False,
        choices=_memory_choices(services.MIN_MEMORY_CHOICES_MB),
        widget=forms.RadioSelect,
    )
    max_ram = forms.TypedChoiceField(
        label=gettext_lazy("Maximum Memory"),
        coerce=int,
        empty_value=0,
        required=False,
        choices=_memory_choices(services.MAX_MEMORY_CHOICES_MB),
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, image: Image, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": image.name,
                "description": image.description,
                "min_ram": image.min_ram,
                "max_ram": image.max_ram,
            },
        )
        super().__init__(*args, **kwargs)
        self.image = image
        self.has_memory = image.image_type in services.MEMORY_IMAGE_TYPES
        if not self.has_memory:
            del self.fields["min_ram"], self.fields["max_ram"]

    def clean(self) -> dict[str, Any]:
        """Ask the service's rules, each error under the field it concerns."""
        data = super().clean()
        refusals = [
            services.image_name_refusal(data.get("name")),
            services.image_description_refusal(data.get("description")),
        ]
        if self.has_memory and not {"min_ram", "max_ram"} & set(self.errors):
            refusals.append(
                services.image_memory_refusal(
                    self.image, data.get("min_ram") or 0, data.get("max_ram") or 0
                )
            )
        for refusal in refusals:
            if refusal is not None:
                self.add_error(getattr(refusal, "field", None), str(refusal))
        return data
