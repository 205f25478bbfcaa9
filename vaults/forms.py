"""Forms of the CBR vault pages."""

from __future__ import annotations

import secrets

from django import forms
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from console.models import Project
from vaults.models import Vault
from vaults.services import NAME_RULE, vault_name_validator

# A number with the active language's digit grouping, formatted when the text is shown.
grouped = lazy(lambda number: number_format(number, force_grouping=True), str)

CAPACITY_BOUNDS = format_lazy(
    gettext_lazy("Enter a capacity between {min} and {max} GB."),
    min=Vault.MIN_CAPACITY_GB,
    max=Vault.MAX_CAPACITY_GB,
)


def suggested_vault_name() -> str:
    """A fresh default name, as the console pre-fills the name field."""
    return f"vault-{secrets.token_hex(2)}"


class VaultCreateForm(forms.Form):
    """Create Vault: name, resource type, protection type and capacity."""

    resource_type = forms.ChoiceField(
        label=gettext_lazy("Resource Type"),
        choices=Vault.ResourceType.choices,
        initial=Vault.ResourceType.SERVER,
        widget=forms.RadioSelect,
    )
    protection_type = forms.ChoiceField(
        label=gettext_lazy("Protection Type"),
        choices=Vault.ProtectionType.choices,
        initial=Vault.ProtectionType.BACKUP,
        widget=forms.RadioSelect,
    )
    capacity_gb = forms.IntegerField(
        label=gettext_lazy("Vault Capacity (GB)"),
        min_value=Vault.MIN_CAPACITY_GB,
        max_value=Vault.MAX_CAPACITY_GB,
        initial=100,
        error_messages={
            "min_value": CAPACITY_BOUNDS,
            "max_value": CAPACITY_BOUNDS,
            "invalid": format_lazy(
                "{} {}", gettext_lazy("Enter a whole number of GB."), CAPACITY_BOUNDS
            ),
            "required": CAPACITY_BOUNDS,
        },
        help_text=format_lazy(
            gettext_lazy("{min} to {max} GB."),
            min=Vault.MIN_CAPACITY_GB,
            max=grouped(Vault.MAX_CAPACITY_GB),
        ),
    )
    # The naming rule bounds the length; a max_length validator would repeat the error.
    name = forms.CharField(
        label=gettext_lazy("Name"),
        validators=[vault_name_validator],
        widget=forms.TextInput(attrs={"maxlength": 64}),
        error_messages={
            "required": format_lazy(gettext_lazy("Enter a vault name: {rule}."), rule=NAME_RULE)
        },
        help_text=format_lazy("{}.", NAME_RULE),
    )
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args: object, project: Project, **kwargs: object) -> None:
        """Bind the form to the project the vault is created in; suggest a name."""
        super().__init__(*args, **kwargs)
        self.project = project
        if not self.is_bound:
            self.initial.setdefault("name", suggested_vault_name())

    def clean_name(self) -> str:
        """The name is free in the project (vault_create re-checks it under a lock)."""
        name = self.cleaned_data["name"]
        if Vault.objects.for_project(self.project).filter(name__iexact=name).exists():
            raise forms.ValidationError(
                _("A vault named %(name)s already exists in this project.") % {"name": name}
            )
        return name


class VaultExpandForm(forms.Form):
    """Expand Capacity: the vault's new total capacity."""

    capacity_gb = forms.IntegerField(
        label=gettext_lazy("New Capacity (GB)"),
        error_messages={"invalid": gettext_lazy("Enter a whole number of GB.")},
    )

    def __init__(self, *args: object, vault: Vault, **kwargs: object) -> None:
        """Bind the form to the vault whose capacity grows."""
        super().__init__(*args, **kwargs)
        self.vault = vault
        field = self.fields["capacity_gb"]
        field.help_text = _("Greater than the current %(current)s GB, at most %(max)s GB.") % {
            "current": vault.capacity_gb,
            "max": number_format(Vault.MAX_CAPACITY_GB, force_grouping=True),
        }
        field.widget.attrs.update(
            {"min": vault.capacity_gb + 1, "max": Vault.MAX_CAPACITY_GB, "autofocus": True}
        )

    def clean_capacity_gb(self) -> int:
        """The new capacity exceeds the current one and stays within the maximum."""
        capacity = self.cleaned_data["capacity_gb"]
        current = self.vault.capacity_gb
        if capacity <= current:
            raise forms.ValidationError(
                _(
                    "The new capacity must be greater than the current capacity "
                    "(%(current)s GB): a vault can only be expanded."
                )
                % {"current": current}
            )
        if capacity > Vault.MAX_CAPACITY_GB:
            raise forms.ValidationError(
                _("The capacity cannot exceed %(max)s GB (the maximum).")
                % {"max": Vault.MAX_CAPACITY_GB}
            )
        used = self.vault.used()
        if capacity < used:
            raise forms.ValidationError(
                _("The capacity cannot be less than the used capacity (%(used)s GB).")
                % {"used": used}
            )
        return capacity


class VaultDeleteForm(forms.Form):
    """Delete Vault: a confirmation without fields that carries the refusal, if any."""
