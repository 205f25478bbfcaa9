"""Asynchronous IMS jobs: one batch member operation submitted through the API."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from console.ids import new_hex32
from console.models import Project


class JobQuerySet(models.QuerySet["Job"]):
    """Jobs, and those not ended yet."""

    def queued(self) -> JobQuerySet:
        """Waiting for a worker or running: what counts against an account's limit."""
        return self.filter(status__in=QUEUED)


class Job(models.Model):
    """A batch member job; its document is what GET /v1/{project_id}/jobs/{job_id} answers."""

    class JobType(models.TextChoices):
        ADD = "imsAddImageMembersJob", _("Add image members")
        UPDATE = "imsUpdateImageMembersJob", _("Update image members")
        DELETE = "imsDelImageMembersJob", _("Delete image members")

    class Status(models.TextChoices):
        INIT = "INIT", _("Initializing")
        RUNNING = "RUNNING", _("Running")
        SUCCESS = "SUCCESS", _("Succeeded")
        FAIL = "FAIL", _("Failed")

    job_id = models.CharField("job ID", max_length=32, unique=True, default=new_hex32)
    job_type = models.CharField(max_length=32, choices=JobType.choices)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="ims_jobs")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ims_jobs"
    )
    request = models.JSONField(default=dict, help_text="The validated batch request.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.INIT)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Runs started: a run that a dead worker left is queued again."
    )
    task_id = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    begin_time = models.DateTimeField(null=True, blank=True)
    end_time = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=16, blank=True)
    fail_reason = models.TextField(blank=True)
    entities = models.JSONField(default=dict, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            # The few jobs not ended yet, however many have: the limit per account counts them.
            models.Index(
                fields=["project"],
                condition=models.Q(status__in=["INIT", "RUNNING"]),
                name="ims_job_queued_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.job_type} {self.job_id} ({self.status})"


QUEUED = (Job.Status.INIT, Job.Status.RUNNING)
