"""Validation against the official OpenAPI schemas (a copy kept in tests/data)."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).parent / "data" / "chatkit-openapi.json"


@cache
def _registry() -> Registry:
    spec = json.loads(SPEC_PATH.read_text())
    # Spec bug (see the spec's README): an integer state variable matches both "integer" and
    # "number" in a oneOf, so it fails validation. The API means "any of these", so anyOf it is.
    spec = copy.deepcopy(spec)
    workflow = spec["components"]["schemas"]["ChatkitWorkflow"]["properties"]["state_variables"]
    for branch in workflow["anyOf"]:
        if "additionalProperties" in branch:
            branch["additionalProperties"] = {"anyOf": branch["additionalProperties"]["oneOf"]}
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    return Registry().with_resource("urn:ck", resource)


@cache
def validator(schema_name: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": f"urn:ck#/components/schemas/{schema_name}"}, registry=_registry()
    )


def validate(body: Any, schema_name: str) -> None:
    """Raise jsonschema.ValidationError if ``body`` does not fit ``schema_name``."""
    validator(schema_name).validate(body)
