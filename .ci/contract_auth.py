"""Schemathesis auth for .ci/contract: no single role reaches every route, so each operation
gets the token of a role its security scope admits (tokens come from the demo server)."""

import os

import schemathesis

# Which demo role to use for each OpenAPI security scope (see the roles in openapi.json).
ROLE_FOR_SCOPE = {
    "write": "recorder",
    "aggregates": "recorder",
    "details": "recorder",
    "export": "inspector",
    "inspect": "inspector",
    "tokens": "admin",
}


def _scope(operation):
    for requirement in operation.definition.raw.get("security") or []:
        for scopes in requirement.values():
            for scope in scopes:
                return scope
    return None


@schemathesis.auth(cache_by_key=lambda case, context: _scope(context.operation) or "")
class ScopeToken:
    def get(self, case, context):
        scope = _scope(context.operation)
        if scope is None:
            return None
        return os.environ["WL_TOKEN_" + ROLE_FOR_SCOPE[scope].upper()]

    def set(self, case, data, context):
        if data is None:
            return
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
