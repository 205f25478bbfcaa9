"""KMS forms."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from console.ids import HEX32_RE
from console.kms.models import Key, KeyGrant
from console.kms.services import KEY_ALIAS_RE, KEY_ALIAS_RULE


class KeyCreateForm(forms.Form):
    """Create a custom KMS key."""

    alias = forms.CharField(
        label=gettext_lazy("Alias"),
        max_length=255,
        validators=[
            RegexValidator(
                KEY_ALIAS_RE,
                format_lazy(gettext_lazy("Enter a valid alias: {rule}."), rule=KEY_ALIAS_RULE),
            )
        ],
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_alias(self) -> str:
        """Aliases ending in /default are reserved for default keys."""
        alias = self.cleaned_data["alias"]
        if alias.lower().endswith("/default"):
            raise forms.ValidationError(_("An alias cannot end with /default: it is reserved."))
        return alias


class KeyGrantCreateForm(forms.Form):
    """Create Grant: a tenant's account ID and the operations it may perform."""

    grantee_account_id = forms.CharField(
        label=gettext_lazy("Account ID"),
        max_length=32,
        validators=[
            RegexValidator(
                HEX32_RE.pattern.replace("a-f", "a-fA-F"),
                gettext_lazy("Enter the tenant's account ID: 32 hexadecimal characters."),
            )
        ],
    )
    operations = forms.MultipleChoiceField(
        label=gettext_lazy("Granted operations"),
        choices=KeyGrant.Operation.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=sorted(KeyGrant.REQUIRED_FOR_SHARING),
    )

    def clean_operations(self) -> list[str]:
        """Decrypt Data Key and Describe Key are what a shared encrypted image needs."""
        operations = self.cleaned_data["operations"]
        if missing := KeyGrant.REQUIRED_FOR_SHARING - set(operations):
            labels = _(" and ").join(str(KeyGrant.Operation(op).label) for op in sorted(missing))
            raise forms.ValidationError(
                _("%(operations)s must be granted.") % {"operations": labels}
            )
        return operations


class KeyStateForm(forms.Form):
    """The state a key is moved to."""

    state = forms.ChoiceField(choices=Key.State.choices)
