"""Console forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.http import Http404

from console.ids import HEX32_RE
from console.models import Key, KeyGrant, Project, Trace
from console.services import (
    DATA_DISK_MAX_GB,
    DATA_DISK_MIN_GB,
    FLAVORS,
    KEY_ALIAS_RE,
    KEY_ALIAS_RULE,
    NAME_MAX,
    NAME_RE,
    NAME_RULE,
    SERVER_MAX_QUANTITY,
    SYSTEM_DISK_MAX_GB,
    system_disk_min_gb,
)
from ims.models import Image


class LoginForm(AuthenticationForm):
    """The console's login form."""

    username = forms.CharField(
        label="IAM user name", widget=forms.TextInput(attrs={"autofocus": True})
    )


class RegionSwitchForm(forms.Form):
    """Choose the region (and so the project) the console works in."""

    region = forms.SlugField(max_length=32)
    next = forms.CharField(required=False, max_length=2000)


# --- Follow-ups of an image (ECS, EVS, replication), KMS keys and traces -----------------


class ScopedObjectField(forms.UUIDField):
    """A UUID naming an object of the current project's queryset; any other ID is a 404."""

    def __init__(self, *, lookup: str = "pk", **kwargs: Any) -> None:
        self.queryset: QuerySet | None = None
        self.lookup = lookup
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        """Return the object, or answer 404 when the ID is outside the scope (D13)."""
        uuid_value = super().clean(value)
        if uuid_value is None:
            return None
        found = self.queryset.filter(**{self.lookup: uuid_value}).first()
        if found is None:
            # Another tenant's (or region's) object must look exactly like a missing one.
            raise Http404("No such object in this project.")
        return found


name_validator = RegexValidator(NAME_RE, f"Enter a valid name: {NAME_RULE}.")


def _zone_choices(project: Project) -> list[tuple[str, str]]:
    return [(zone, zone) for zone in project.region.availability_zones or []]


class ServerCreateForm(forms.Form):
    """Buy ECS: image, availability zone, flavor, system disk, name and quantity."""

    image = ScopedObjectField(error_messages={"required": "Select an image."})
    availability_zone = forms.ChoiceField(label="AZ")
    flavor = forms.ChoiceField(choices=[(name, name) for name in FLAVORS])
    system_disk_gb = forms.IntegerField(
        label="System disk (GB)", min_value=1, max_value=SYSTEM_DISK_MAX_GB
    )
    name = forms.CharField(max_length=NAME_MAX, validators=[name_validator])
    quantity = forms.IntegerField(min_value=1, max_value=SERVER_MAX_QUANTITY, initial=1)

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
                "system_disk_gb", f"The system disk must be at least {minimum} GB for {image.name}."
            )
        name, quantity = data.get("name"), data.get("quantity")
        if name and quantity and quantity > 1 and len(name) > NAME_MAX - 5:
            self.add_error(
                "name",
                f"With a quantity above 1 the name may have at most {NAME_MAX - 5} characters, "
                "because a suffix such as -0001 is added.",
            )
        return data


IMAGE_TABS = [("public", "Public Image"), ("private", "Private Image"), ("shared", "Shared Image")]


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


class ServerChangeOsForm(forms.Form):
    """Change OS: the new system disk image."""

    image = ScopedObjectField(error_messages={"required": "Select an image."})

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["image"].queryset = Image.objects.visible_to(project).select_related(
            "owner", "kms_key"
        )


class DiskCreateForm(forms.Form):
    """Create an EVS data disk, empty or from a data disk image."""

    name = forms.CharField(max_length=NAME_MAX, validators=[name_validator])
    availability_zone = forms.ChoiceField(label="AZ")
    size_gb = forms.IntegerField(
        label="Capacity (GB)", min_value=DATA_DISK_MIN_GB, max_value=DATA_DISK_MAX_GB
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
                "size_gb", f"The disk must be at least {image.min_disk_gb} GB for {image.name}."
            )
        return data


class ImageReplicateForm(forms.Form):
    """Replicate Image: the copy's name, description and, for encrypted images, own key."""

    name = forms.CharField(max_length=128)
    description = forms.CharField(
        required=False, max_length=1024, widget=forms.Textarea(attrs={"rows": 3})
    )
    kms_key = ScopedObjectField(lookup="key_id", required=False, label="KMS key")

    def __init__(self, *args: Any, project: Project, image: Image, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"name": f"copy_{image.name}"[:128]})
        super().__init__(*args, **kwargs)
        self.fields["kms_key"].queryset = Key.objects.for_project(project)
        if image.encrypted:
            self.fields["kms_key"].required = True
            self.fields["kms_key"].error_messages["required"] = (
                "Select a KMS key of your own to encrypt the copy."
            )


class KeyCreateForm(forms.Form):
    """Create a custom KMS key."""

    alias = forms.CharField(
        max_length=255,
        validators=[RegexValidator(KEY_ALIAS_RE, f"Enter a valid alias: {KEY_ALIAS_RULE}.")],
    )
    description = forms.CharField(
        required=False, max_length=255, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_alias(self) -> str:
        """Aliases ending in /default are reserved for default keys."""
        alias = self.cleaned_data["alias"]
        if alias.lower().endswith("/default"):
            raise forms.ValidationError("An alias cannot end with /default: it is reserved.")
        return alias


class KeyGrantCreateForm(forms.Form):
    """Create Grant: a tenant's account ID and the operations it may perform."""

    grantee_account_id = forms.CharField(
        label="Account ID",
        max_length=32,
        validators=[
            RegexValidator(
                HEX32_RE.pattern.replace("a-f", "a-fA-F"),
                "Enter the tenant's account ID: 32 hexadecimal characters.",
            )
        ],
    )
    operations = forms.MultipleChoiceField(
        label="Granted operations",
        choices=KeyGrant.Operation.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=sorted(KeyGrant.REQUIRED_FOR_SHARING),
    )

    def clean_operations(self) -> list[str]:
        """Decrypt Data Key and Describe Key are what a shared encrypted image needs."""
        operations = self.cleaned_data["operations"]
        if missing := KeyGrant.REQUIRED_FOR_SHARING - set(operations):
            labels = " and ".join(KeyGrant.Operation(op).label for op in sorted(missing))
            raise forms.ValidationError(f"{labels} must be granted.")
        return operations


class KeyStateForm(forms.Form):
    """The state a key is moved to."""

    state = forms.ChoiceField(choices=Key.State.choices)


class TraceFilterForm(forms.Form):
    """Filters of the trace list: operation, service, result and page."""

    operation = forms.ChoiceField(required=False)
    service = forms.ChoiceField(required=False)
    result = forms.ChoiceField(required=False, choices=[("", "All results"), *Trace.Result.choices])

    def __init__(
        self, *args: Any, operations: list[str], services: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["operation"].choices = [("", "All operations")] + [
            (op, op) for op in operations
        ]
        self.fields["service"].choices = [("", "All services")] + [(s, s) for s in services]
