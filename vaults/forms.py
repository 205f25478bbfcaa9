"""Forms of the CBR vault pages."""

from __future__ import annotations

import secrets

from django import forms

from console.models import Project
from vaults.models import Vault
from vaults.services import NAME_RULE, vault_name_validator

CAPACITY_BOUNDS = (
    f"Enter a capacity between {Vault.MIN_CAPACITY_GB} and {Vault.MAX_CAPACITY_GB} GB."
)


def suggested_vault_name() -> str:
    """A fresh default name, as the console pre-fills the name field."""
    return f"vault-{secrets.token_hex(2)}"


class VaultCreateForm(forms.Form):
    """Create Vault: name, resource type, protection type and capacity."""

    resource_type = forms.ChoiceField(
        label="Resource Type",
        choices=Vault.ResourceType.choices,
        initial=Vault.ResourceType.SERVER,
        widget=forms.RadioSelect,
    )
    protection_type = forms.ChoiceField(
        label="Protection Type",
        choices=Vault.ProtectionType.choices,
        initial=Vault.ProtectionType.BACKUP,
        widget=forms.RadioSelect,
    )
    capacity_gb = forms.IntegerField(
        label="Vault Capacity (GB)",
        min_value=Vault.MIN_CAPACITY_GB,
        max_value=Vault.MAX_CAPACITY_GB,
        initial=100,
        error_messages={
            "min_value": CAPACITY_BOUNDS,
            "max_value": CAPACITY_BOUNDS,
            "invalid": f"Enter a whole number of GB. {CAPACITY_BOUNDS}",
            "required": CAPACITY_BOUNDS,
        },
        help_text=f"{Vault.MIN_CAPACITY_GB} to {Vault.MAX_CAPACITY_GB:,} GB.",
    )
    # The naming rule bounds the length; a max_length validator would repeat the error.
    name = forms.CharField(
        label="Name",
        validators=[vault_name_validator],
        widget=forms.TextInput(attrs={"maxlength": 64}),
        error_messages={"required": f"Enter a vault name: {NAME_RULE}."},
        help_text=f"{NAME_RULE[0].upper()}{NAME_RULE[1:]}.",
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
            raise forms.ValidationError(f"A vault named {name} already exists in this project.")
        return name


class VaultExpandForm(forms.Form):
    """Expand Capacity: the vault's new total capacity."""

    capacity_gb = forms.IntegerField(
        label="New Capacity (GB)",
        error_messages={"invalid": "Enter a whole number of GB."},
    )

    def __init__(self, *args: object, vault: Vault, **kwargs: object) -> None:
        """Bind the form to the vault whose capacity grows."""
        super().__init__(*args, **kwargs)
        self.vault = vault
        field = self.fields["capacity_gb"]
        field.help_text = (
            f"Greater than the current {vault.capacity_gb} GB, "
            f"at most {Vault.MAX_CAPACITY_GB:,} GB."
        )
        field.widget.attrs.update(
            {"min": vault.capacity_gb + 1, "max": Vault.MAX_CAPACITY_GB, "autofocus": True}
        )

    def clean_capacity_gb(self) -> int:
        """The new capacity exceeds the current one and stays within the maximum."""
        capacity = self.cleaned_data["capacity_gb"]
        current = self.vault.capacity_gb
        if capacity <= current:
            raise forms.ValidationError(
                f"The new capacity must be greater than the current capacity ({current} GB): "
                "a vault can only be expanded."
            )
        if capacity > Vault.MAX_CAPACITY_GB:
            raise forms.ValidationError(
                f"The capacity cannot exceed {Vault.MAX_CAPACITY_GB} GB (the maximum)."
            )
        used = self.vault.used()
        if capacity < used:
            raise forms.ValidationError(
                f"The capacity cannot be less than the used capacity ({used} GB)."
            )
        return capacity


class VaultDeleteForm(forms.Form):
    """Delete Vault: a confirmation without fields that carries the refusal, if any."""
