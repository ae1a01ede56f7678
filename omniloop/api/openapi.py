"""What the generated OpenAPI schema cannot infer from the view signatures.

`Idempotency-Key` is read as optional so that a missing key gets our stable 400
`idempotency_key_missing` instead of a generic validation error; the schema still says what is
true: every write that takes it requires it, 8-255 printable ASCII characters (ADR 2). And every
operation may answer 400 `nul_character` (core.middleware) and 413 `payload_too_large`. Each
operation's security requirement names the token scope it needs (OpenAPI 3.1 lets a bearer
scheme list them), and its description says so."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

IDEMPOTENCY_KEY = {"type": "string", "minLength": 8, "maxLength": 255, "pattern": "^[!-~]+$"}


def refine(schema: dict[str, Any], scopes: dict[str, str] | None = None) -> dict[str, Any]:
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            scope = (scopes or {}).get(operation.get("operationId", ""))
            if scope:
                operation["security"] = [{"TokenAuth": [scope]}]
                note = f"Token scope: `{scope}`."
                described = operation.get("description")
                operation["description"] = f"{described}\n\n{note}" if described else note
            responses = operation.setdefault("responses", {})
            responses.setdefault("400", {"description": "Malformed request (`nul_character`...)"})
            responses.setdefault("413", {"description": "Body too large (`payload_too_large`)"})
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header" and parameter.get("name") == "Idempotency-Key":
                    parameter["required"] = True
                    parameter["schema"] = dict(IDEMPOTENCY_KEY)
    return schema


class OmniloopAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        return refine(super().get_openapi_schema(*args, **kwargs), self._scopes())

    def _scopes(self) -> dict[str, str]:
        """operationId -> the scope its TokenAuth needs."""
        found: dict[str, str] = {}
        for _prefix, router in self._routers:
            for view in router.path_operations.values():
                for operation in view.operations:
                    for auth in operation.auth_callbacks:
                        scope = getattr(auth, "scope", None)
                        if scope is not None:
                            found[self.get_openapi_operation_id(operation)] = scope.name
        return found
