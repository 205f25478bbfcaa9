"""A project's IMS quotas."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from console.models import Project


class ImageQuota(models.Model):
    """A project's IMS quotas (reference §10.7); a project without a row has the defaults.

    Only `image` (20, from 1 to 1000) is documented; the other defaults are chosen so they
    never bind before the documented limits do (every private image shared, each with 256).
    """

    DEFAULTS = {"images": 20, "shared_images": 20, "image_members": 20 * 256}
    MIN, MAX = 1, 1000
    MAX_MEMBERS = 1000 * 256

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, primary_key=True, related_name="image_quota"
    )
    images = models.PositiveIntegerField(
        "private images",
        default=DEFAULTS["images"],
        validators=[MinValueValidator(MIN), MaxValueValidator(MAX)],
        help_text="Quota type image: private images of the project, in any status.",
    )
    shared_images = models.PositiveIntegerField(
        "shared images",
        default=DEFAULTS["shared_images"],
        validators=[MinValueValidator(MIN), MaxValueValidator(MAX)],
        help_text="Quota type image_shared: private images with at least one recipient "
        "that accepted or rejected them (pending shares do not count).",
    )
    image_members = models.PositiveIntegerField(
        "image members",
        default=DEFAULTS["image_members"],
        validators=[MinValueValidator(MIN), MaxValueValidator(MAX_MEMBERS)],
        help_text="Quota type image_member: recipients of the project's images that "
        "accepted or rejected them, counted once per image.",
    )

    class Meta:
        verbose_name = "image quota"

    def __str__(self) -> str:
        return f"IMS quota of {self.project}"
