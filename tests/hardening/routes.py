"""What each console route is sent by the sweeps: a valid change, and the fields naming objects.

Every route the resolver knows must be described here (the sweeps fail on a new one until it
is): `post` builds form data that makes the change succeed for the recipient's admin, and
`fields` names the form or query fields that carry an object ID, with the kind of object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from console.kms.models import KeyGrant
from tests.hardening.sweeps import Objects, SweepWorld


@dataclass(frozen=True)
class Route:
    """How the sweeps drive one route."""

    name: str
    post: Callable[[SweepWorld], dict[str, Any]] | None = None
    fields: dict[str, str] = field(default_factory=dict)
    # Fields holding several IDs: a hidden ID is added to the valid ones, not put instead.
    many: frozenset[str] = frozenset()
    path: Callable[[SweepWorld, Objects], dict[str, Any]] | None = None
    query: dict[str, str] = field(default_factory=dict)
    variant: str = ""
    # Why a read-only user may make this change (it concerns only their own credentials).
    readonly_allowed: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}{'#' + self.variant if self.variant else ''}"

    def kwargs(self, sw: SweepWorld, objects: Objects, args: list[str]) -> dict[str, Any]:
        """Path arguments naming `objects` (the route's own choice where it has one)."""
        if self.path is not None:
            return self.path(sw, objects)
        ids = objects.ids()
        return {arg: ids[arg] for arg in args}


def _server(state: str) -> Callable[[SweepWorld, Objects], dict[str, Any]]:
    def pick(sw: SweepWorld, objects: Objects) -> dict[str, Any]:
        if objects is sw.own:
            return {"server_id": sw.extra[f"{state}_server"].server_id}
        return {"server_id": objects.server.server_id}

    return pick


def _replicate_path(sw: SweepWorld, objects: Objects) -> dict[str, Any]:
    image = sw.extra["encrypted"] if objects is sw.own else objects.image
    return {"image_id": image.pk}


def _grant_operations() -> list[str]:
    return sorted(KeyGrant.REQUIRED_FOR_SHARING)


ROUTES = [
    Route("console:home"),
    Route("console:credentials"),
    Route("audit:message_list"),
    Route("audit:trace_detail"),
    Route("audit:message_mark_read", post=lambda sw: {}),
    Route("compute:server_list"),
    Route(
        "compute:server_create",
        post=lambda sw: {
            "image": sw.own.image.pk,
            "availability_zone": "eu-de-01",
            "flavor": "s3.medium.2",
            "system_disk_gb": "40",
            "name": "swept-server",
            "quantity": "2",
        },
        fields={"image": "image"},
        query={"image": "image"},
    ),
    Route("compute:server_stop", post=lambda sw: {}, path=_server("running")),
    Route("compute:server_start", post=lambda sw: {}, path=_server("stopped")),
    Route(
        "compute:server_change_os",
        post=lambda sw: {"image": sw.own.image.pk},
        fields={"image": "image"},
        query={"image": "image"},
        path=_server("stopped"),
    ),
    Route(
        "compute:image_create",
        post=lambda sw: {
            "image_type": "system",
            "server": sw.own.server.server_id,
            "name": "swept-image",
        },
        fields={"server": "server", "vault": "vault"},
    ),
    Route("compute:disk_list"),
    Route(
        "compute:disk_create",
        post=lambda sw: {
            "name": "swept-disk",
            "availability_zone": "eu-de-01",
            "size_gb": "100",
            "image": sw.own.data_image.pk,
        },
        fields={"image": "data_image"},
        query={"image": "data_image"},
    ),
    Route("kms:key_list"),
    Route("kms:key_create", post=lambda sw: {"alias": "swept-key", "description": ""}),
    Route("kms:key_detail"),
    Route("kms:key_state", post=lambda sw: {"state": "disabled"}),
    Route(
        "kms:key_grant_create",
        post=lambda sw: {
            "grantee_account_id": sw.extra["sharer_account_id"],
            "operations": _grant_operations(),
        },
    ),
    Route("kms:key_grant_revoke", post=lambda sw: {}),
    Route("audit:trace_list"),
    Route("ims:shared_images", query={"accept": "member"}),
    Route(
        "ims:share_accept",
        post=lambda sw: {"members": [sw.extra["pending"].pk]},
        fields={"members": "member"},
        many=frozenset({"members"}),
        query={"members": "member"},
    ),
    Route(
        "ims:share_accept",
        variant="vault",
        post=lambda sw: {
            "members": [sw.extra["full_member"].pk],
            "vault": sw.own.vault.vault_id,
            "from_dialog": "1",
        },
        fields={"vault": "vault"},
    ),
    Route(
        "ims:share_reject",
        post=lambda sw: {"members": [sw.extra["accepted"].pk]},
        fields={"members": "member"},
        many=frozenset({"members"}),
        query={"members": "member"},
    ),
    Route("ims:public_images"),
    Route("ims:private_images"),
    Route(
        "ims:image_share",
        post=lambda sw: {"image": [sw.own.image.pk], "project_ids": sw.extra["sharer_project_id"]},
        fields={"image": "image"},
        many=frozenset({"image"}),
        query={"image": "image"},
    ),
    Route(
        "ims:image_share",
        variant="stop",
        post=lambda sw: {
            "image": [sw.own.image.pk],
            "tab": "stop",
            "recipients": [sw.own.project_id],
        },
        fields={"recipients": "recipient"},
        many=frozenset({"recipients"}),
    ),
    Route("ims:image_detail"),
    Route("ims:image_delete", post=lambda sw: {}),
    Route(
        "ims:images_delete",
        post=lambda sw: {"image": [sw.own.image.pk, sw.own.data_image.pk], "delete_backups": "on"},
        fields={"image": "image"},
        many=frozenset({"image"}),
        query={"image": "image"},
    ),
    Route("ims:image_modify", post=lambda sw: {"name": "swept-name", "min_ram": "0"}),
    Route("ims:image_tags", post=lambda sw: {"key": "swept", "value": "yes"}),
    Route(
        "ims:image_member_add",
        post=lambda sw: {"project_ids": sw.extra["sharer_project_id"]},
    ),
    Route(
        "ims:image_members_delete",
        post=lambda sw: {"recipients": [sw.own.project_id]},
        fields={"recipients": "recipient"},
        many=frozenset({"recipients"}),
        query={"recipients": "recipient"},
    ),
    Route(
        "ims:image_replicate",
        post=lambda sw: {"name": "swept-copy", "kms_key": sw.extra["own_key_2"].key_id},
        fields={"kms_key": "key"},
        path=_replicate_path,
    ),
    Route("vaults:vault_list"),
    Route(
        "vaults:vault_create",
        post=lambda sw: {
            "name": "swept-vault",
            "resource_type": "server",
            "protection_type": "backup",
            "capacity_gb": "100",
        },
    ),
    Route("vaults:vault_detail"),
    Route("vaults:vault_expand", post=lambda sw: {"capacity_gb": "600"}),
    Route("vaults:vault_delete", post=lambda sw: {}),
]

ROUTES += [
    Route("iam:access_keys"),
    Route(
        "iam:access_key_create",
        post=lambda sw: {"password": "console-demo", "description": "swept"},
        readonly_allowed="a user manages their own access keys, whatever their role",
    ),
    Route("iam:access_key_created"),
    Route(
        "iam:access_key_status",
        post=lambda sw: {"status": "inactive"},
        readonly_allowed="a user manages their own access keys, whatever their role",
    ),
    Route(
        "iam:access_key_delete",
        post=lambda sw: {},
        readonly_allowed="a user manages their own access keys, whatever their role",
    ),
]

# Routes that change only the session (who is logged in, which region is shown) or the
# user's own display preferences (language, time zone: any role may choose them, see
# tests/console/test_i18n.py), never a resource.
SESSION_ONLY = {"console:login", "console:logout", "console:region_switch", "console:preferences"}

WRITE_ROUTES = [route for route in ROUTES if route.post is not None]
# Changes a read-only user is refused: every write but those on their own credentials.
REFUSED_ROUTES = [route for route in WRITE_ROUTES if not route.readonly_allowed]
