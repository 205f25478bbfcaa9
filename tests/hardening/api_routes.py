"""Every route of the JSON APIs (Keystone, Glance, IMS), read from their Ninja routers."""

from __future__ import annotations

from dataclasses import dataclass

from ninja import NinjaAPI

from console.iam.api import api as iam_api
from ims.api.common import api as ims_api
from ims.api.urls import urlpatterns as _ims_urls  # noqa: F401  (adds the routers to the API)

# Where each API is served; the IMS and IAM APIs answer at the host root too (/v1, /v2, /v3).
APIS: tuple[tuple[NinjaAPI, str], ...] = ((ims_api, "/api/ims"), (iam_api, "/api/iam"))


@dataclass(frozen=True)
class ApiRoute:
    """One operation: its method, path template under the API's prefix, and what it reads."""

    prefix: str
    path: str
    method: str
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    body_fields: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.method} {self.prefix}{self.path}"


def _document_operation(document: dict, path: str, method: str) -> dict:
    return document["paths"].get(path, {}).get(method.lower(), {})


def _body_fields(document: dict, operation: dict) -> tuple[str, ...]:
    content = operation.get("requestBody", {}).get("content", {})
    schema = next(iter(content.values()), {}).get("schema", {})
    if ref := schema.get("$ref"):
        schema = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return tuple(schema.get("properties", {}))


def api_routes() -> list[ApiRoute]:
    """Every operation of every API, with the parameters its OpenAPI document names."""
    routes = []
    for api, prefix in APIS:
        document = api.get_openapi_schema(path_prefix=prefix)
        for _prefix, router in api._routers:
            for path, view in router.path_operations.items():
                for operation in view.operations:
                    for method in operation.methods:
                        doc = _document_operation(document, prefix + path, method)
                        params = doc.get("parameters", [])
                        routes.append(
                            ApiRoute(
                                prefix=prefix,
                                path=path,
                                method=method,
                                path_params=tuple(
                                    p["name"] for p in params if p.get("in") == "path"
                                ),
                                query_params=tuple(
                                    p["name"] for p in params if p.get("in") == "query"
                                ),
                                body_fields=_body_fields(document, doc),
                            )
                        )
    return routes
