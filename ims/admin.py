"""Django admin for images, shares and the API's batch member jobs."""

from importlib import import_module

from django.contrib import admin
from django_tasks_db.models import DBTaskResult

from ims.models import (
    Image,
    ImageBackup,
    ImageMember,
    ImageQuota,
    ImageTag,
    Job,
    MemberBackup,
)


class ImageBackupInline(admin.TabularInline):
    """Image backup rows inline."""

    model = ImageBackup
    extra = 0


class ImageMemberInline(admin.TabularInline):
    """Image member rows inline."""

    model = ImageMember
    extra = 0
    autocomplete_fields = ["project", "vault"]
    readonly_fields = ["created", "updated"]


class ImageTagInline(admin.TabularInline):
    """Image tag rows inline."""

    model = ImageTag
    extra = 0


@admin.register(ImageTag)
class ImageTagAdmin(admin.ModelAdmin):
    """Image tags, searchable by key and value."""

    list_display = ["image", "key", "value"]
    search_fields = ["key", "value", "image__name"]
    autocomplete_fields = ["image"]


@admin.register(ImageQuota)
class ImageQuotaAdmin(admin.ModelAdmin):
    """Per-project IMS quotas; a project without a row has the defaults."""

    list_display = ["project", "images", "shared_images", "image_members"]
    search_fields = ["project__project_id", "project__tenant__name"]
    autocomplete_fields = ["project"]


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    """Images with their backups and members."""

    list_display = [
        "name",
        "owner",
        "region",
        "image_type",
        "os",
        "status",
        "min_disk_gb",
        "created",
    ]
    list_filter = ["image_type", "status", "os_type", "region", "full_ecs_source"]
    search_fields = ["name", "id", "os", "owner__tenant__name", "owner__project_id"]
    autocomplete_fields = ["owner", "region", "kms_key", "source_image"]
    readonly_fields = ["id", "created"]
    list_select_related = ["owner__tenant", "owner__region", "region"]
    inlines = [ImageBackupInline, ImageTagInline, ImageMemberInline]


@admin.register(ImageMember)
class ImageMemberAdmin(admin.ModelAdmin):
    """Shares: an image × a recipient project."""

    list_display = ["image", "project", "status", "vault", "created", "updated"]
    list_filter = ["status", "project__region"]
    search_fields = ["image__name", "project__project_id", "project__tenant__name"]
    autocomplete_fields = ["image", "project", "vault"]
    readonly_fields = ["created", "updated"]
    list_select_related = ["image", "project__tenant", "project__region", "vault"]


@admin.register(ImageBackup)
class ImageBackupAdmin(admin.ModelAdmin):
    """Full-ECS images' disk backups."""

    list_display = ["image", "role", "device", "size_gb"]
    list_filter = ["role"]
    search_fields = ["image__name"]
    autocomplete_fields = ["image"]
    list_select_related = ["image"]


@admin.register(MemberBackup)
class MemberBackupAdmin(admin.ModelAdmin):
    """Which vault backup holds which disk backup of an accepted full-ECS share."""

    list_display = ["backup", "member", "source"]
    search_fields = ["member__image__name", "backup__vault__name"]
    autocomplete_fields = ["member", "source"]
    raw_id_fields = ["backup"]
    list_select_related = ["backup", "member__image", "member__project", "source"]


# The jobs below are the operator's view of the queue (each names its task's ID). The queue's
# admin module registers its own first: it comes after ims (see INSTALLED_APPS).
import_module("django_tasks_db.admin")
admin.site.unregister(DBTaskResult)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Batch member jobs and their outcome; read-only, like the audit trail."""

    list_display = ["job_id", "job_type", "project", "user", "status", "error_code", "created"]
    list_filter = ["status", "job_type"]
    search_fields = ["job_id", "task_id", "project__project_id", "user__username"]
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:
        """Jobs are submitted through the API."""
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        """A job's record is history."""
        return False
