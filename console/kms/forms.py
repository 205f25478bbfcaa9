"""KMS forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from console.ids import HEX32_LENGTH
from console.kms.models import Key, KeyGrant
from console.kms.services import (
    KEY_ALIAS_MAX,
    KEY_DESCRIPTION_MAX,
    grantee_account_refusal,
    key_alias_refusal,
)


class KeyCreateForm(forms.Form):
    """Create a custom KMS key; the rules are the service's."""

    alias = forms.CharField(label=gettext_lazy("Alias"), max_length=KEY_ALIAS_MAX)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=KEY_DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_alias(self) -> str:
        """The service's rule for an alias (its characters; /default is reserved)."""
        alias = self.cleaned_data["alias"]
        if refusal := key_alias_refusal(alias):
            raise forms.ValidationError(str(refusal))
        return alias


class KeyGrantCreateForm(forms.Form):
    """Create Grant: a tenant's account ID and the operations it may perform."""

    grantee_account_id = forms.CharField(label=gettext_lazy("Account ID"), max_length=HEX32_LENGTH)
    operations = forms.MultipleChoiceField(
        label=gettext_lazy("Granted operations"),
        choices=KeyGrant.Operation.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=sorted(KeyGrant.REQUIRED_FOR_SHARING),
    )

    def clean_operations(self) -> list[str]:
        """Decrypt Data Key and Describe Key are what a shared encrypted image needs."""
        operations = self.cleaned_data["operations"]
        if problem := KeyGrant.operations_problem(set(operations)):
            raise forms.ValidationError(problem)
        return operations

    def clean_grantee_account_id(self) -> str:
        """The service's rule for an account ID."""
        account_id = self.cleaned_data["grantee_account_id"]
        if refusal := grantee_account_refusal(account_id):
            raise forms.ValidationError(str(refusal))
        return account_id


class KeyStateForm(forms.Form):
    """The state a key is moved to."""

    state = forms.ChoiceField(choices=Key.State.choices)
