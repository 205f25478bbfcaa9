"""Django admin for the API's batch member jobs."""

from django.contrib import admin
from django_tasks_db.models import DBTaskResult

from ims.api.models import Job

# The jobs below are the operator's view of the queue (each names its task's ID).
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
