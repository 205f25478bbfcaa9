"""The app graph stays a DAG (DESIGN §1), by model relations and by imports alike."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# An app may use the apps to its left, never one to its right.
ORDER = ["console", "audit", "iam", "kms", "vaults", "ims", "compute", "demo"]
# Modules that wire every app together and stand outside the graph.
OUTSIDE = {"console/settings.py", "console/urls.py", "console/wsgi.py", "console/asgi.py"}
MAX_LINES = 450


def app_of_module(module: str) -> str | None:
    """The app label a dotted module belongs to (the most specific app package)."""
    best = None
    for config in apps.get_app_configs():
        if config.label in ORDER and (
            module == config.name or module.startswith(config.name + ".")
        ):
            if best is None or len(config.name) > len(best.name):
                best = config
    return best.label if best else None


def source_files():
    for label in ORDER:
        config = apps.get_app_config(label)
        base = Path(config.path)
        nested = {
            Path(c.path) for c in apps.get_app_configs() if c.label in ORDER and c is not config
        }
        for path in base.rglob("*.py"):
            if any(path.is_relative_to(n) for n in nested if n != base and n.is_relative_to(base)):
                continue
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in OUTSIDE:
                continue
            yield label, path


def test_model_relations_point_left():
    wrong = []
    for model in apps.get_models():
        label = model._meta.app_label
        if label not in ORDER:
            continue
        for field in model._meta.get_fields():
            if field.is_relation and not field.auto_created and field.related_model:
                target = field.related_model._meta.app_label
                if target in ORDER and ORDER.index(target) > ORDER.index(label):
                    wrong.append(f"{model._meta.label}.{field.name} → {target}")
    assert not wrong, wrong


def test_imports_point_left():
    wrong = []
    for label, path in source_files():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            modules = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            for module in modules:
                target = app_of_module(module)
                if target and ORDER.index(target) > ORDER.index(label):
                    wrong.append(f"{path.relative_to(ROOT)} imports {module} ({target})")
    assert not wrong, wrong


def test_no_app_imports_another_apps_views():
    wrong = []
    for label, path in source_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and ".views" in node.module:
                owner = app_of_module(node.module)
                if owner is not None and owner != label:
                    wrong.append(f"{path.relative_to(ROOT)} imports {node.module}")
    assert not wrong, wrong


@pytest.mark.parametrize("label", ORDER)
def test_no_source_file_is_over_450_lines(label):
    long = [
        f"{path.relative_to(ROOT)}: {n}"
        for lab, path in source_files()
        if lab == label and (n := len(path.read_text().splitlines())) > MAX_LINES
    ]
    assert not long, long


def test_the_settings_list_the_apps_in_dependency_order():
    installed = [
        apps.get_app_config(a.rsplit(".", 1)[-1]).label
        for a in settings.INSTALLED_APPS
        if a.split(".")[0] in ("console", "ims", "vaults")
    ]
    assert installed == ORDER


def string_constants(path: Path) -> list[str]:
    return [
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_no_app_knows_the_codes_or_paths_of_an_app_to_its_right():
    # The IMS API registers its prefix and its generic code (console/api.py); identity and the
    # shared API layer never name them. Every code lives in console/errors.py.
    wrong = []
    for label, path in source_files():
        if ORDER.index(label) >= ORDER.index("ims"):
            continue
        for text in string_constants(path):
            if "/api/ims" in text or (label == "iam" and text.startswith("IMG.")):
                wrong.append(f"{path.relative_to(ROOT)}: {text[:40]!r}")
    assert not wrong, wrong


# A limit written into a template is a rule retyped (DESIGN §13): inputs take theirs from the
# form's fields, and rows ask the services' refusal functions instead of comparing numbers.
RETYPED_LIMIT = re.compile(r"\b(?:min|max|minlength|maxlength|step)=\"-?\d+\"")
# 0 and 1 are counting (one page, one item), not limits.
NUMBER_COMPARED = re.compile(r"\{%-?\s*(?:el)?if\b[^%]*?(?:[<>]=?|==|!=)\s*-?(?![01]\b)\d+")


def test_templates_retype_no_limit_and_compare_no_number():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for pattern in (RETYPED_LIMIT, NUMBER_COMPARED):
                offenders += [
                    f"{path.relative_to(ROOT)}:{number}: {m[0]}" for m in pattern.finditer(line)
                ]
    assert not offenders, "\n".join(offenders)


def test_the_template_check_finds_what_it_looks_for():
    assert RETYPED_LIMIT.search('<input maxlength="128">')
    assert RETYPED_LIMIT.search('<input type="number" max="1024">')
    assert not RETYPED_LIMIT.search(
        '<input maxlength="{{ form.name.field.widget.attrs.maxlength }}">'
    )
    assert NUMBER_COMPARED.search("{% elif image.size_gb >= 128 %}")
    assert NUMBER_COMPARED.search("{% if percent>80 %}")
    assert not NUMBER_COMPARED.search("{% if vault.usage_high %}")
    assert not NUMBER_COMPARED.search("{% if page.number > 1 %}")


# Templates live under templates/<app>/; a template reaches another app through includes,
# extends and {% url %} names, and may reach only the apps to its left, like the code. A
# `{% url … as name %}` is a soft link (empty when that app's route is absent, and the
# template shows nothing then): the way a page offers a follow-up of an app to its right.
TEMPLATE_REFERENCE = re.compile(
    r"\{%\s*(?:include|extends)\s+['\"](?P<dir>[a-z_]+)/"
    r"|\{%\s*url\s+['\"](?P<ns>[a-z_]+):(?![^%]*\sas\s)"
)
# The navigation in the page shell links every service: it stands outside the graph, like
# console/urls.py does for the code.
SHELL_TEMPLATES = {"templates/console/base.html"}


def template_references() -> list[tuple[str, int, str, str]]:
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        relative = path.relative_to(ROOT)
        owner = relative.parts[1] if len(relative.parts) > 2 else "console"
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in TEMPLATE_REFERENCE.finditer(line):
                target = match["dir"] or match["ns"]
                found.append((str(relative), number, owner, target))
    return found


def test_template_references_point_left():
    offenders = [
        f"{where}:{number}: {owner} → {target}"
        for where, number, owner, target in template_references()
        if where not in SHELL_TEMPLATES
        and owner in ORDER
        and target in ORDER
        and ORDER.index(target) > ORDER.index(owner)
    ]
    assert not offenders, "\n".join(offenders)


def test_the_template_graph_sees_includes_and_url_names():
    references = {(owner, target) for _, _, owner, target in template_references()}
    assert ("ims", "console") in references  # extends "console/base.html"
    assert ("compute", "ims") in references  # {% url 'ims:…' %}
    soft = "{% url 'compute:server_create' as server_create_url %}"
    assert TEMPLATE_REFERENCE.search("{% url 'compute:server_create' %}")
    assert not TEMPLATE_REFERENCE.search(soft)


MAX_FUNCTION_LINES = 60


def _functions():
    for _label, path in source_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield path.relative_to(ROOT), node


def test_no_function_is_over_60_lines():
    long = [
        f"{path}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path, node in _functions()
        if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, "\n".join(long)


def test_no_atomic_is_stacked_under_audited():
    # @audited already runs the service in one transaction.
    def name(decorator):
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        return ast.unparse(target)

    stacked = [
        f"{path}:{node.lineno} {node.name}"
        for path, node in _functions()
        if {"audited", "transaction.atomic"} <= {name(d) for d in node.decorator_list}
    ]
    assert not stacked, "\n".join(stacked)
