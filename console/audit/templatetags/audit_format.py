"""Cloud Trace's columns in the reader's language."""

from __future__ import annotations

from django import template

from console.audit import presentation

register = template.Library()
register.filter("service_label", presentation.service_label)
register.filter("service_name", presentation.service_name)
register.filter("resource_type_label", presentation.resource_type_label)
