"""Request validation derived from the `stripe` SDK itself, so the fake refuses what Stripe refuses.

The SDK's services (`stripe/_*_service.py`, generated from Stripe's OpenAPI spec) name, for every method,
the HTTP verb, the path template and the TypedDict of its parameters (`stripe.params.*`). From those we
build the route table and check each request's form fields against the TypedDict: unknown keys, missing
required keys, values outside a `Literal`, integers and booleans that are not. Nothing here is a
hand-written list of parameters: a new SDK version brings its own rules.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import re
import types
import typing
from dataclasses import dataclass

import stripe
import stripe.params
from stripe._request_options import RequestOptions
from stripe._stripe_context import StripeContext
from stripe._stripe_service import StripeService

# Keys of RequestOptions are client options (api_key, idempotency_key...), never sent as form fields.
_OPTION_KEYS = frozenset(RequestOptions.__annotations__)
_REQUEST_CALL = re.compile(r"self\._request\(\s*\"(get|post|delete)\",\s*\"(/v1/[^\"]+)\"")


class ParamError(Exception):
    """A request Stripe would refuse: `code` is Stripe's error code, `param` the offending field."""

    def __init__(self, message: str, *, code: str | None, param: str):
        super().__init__(message)
        self.message = message
        self.code = code
        self.param = param


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    pattern: re.Pattern
    params: type | None  # the stripe.params TypedDict, or None when the method takes no parameters
    literal_segments: int


def _params_class(fn) -> type | None:
    param = inspect.signature(fn).parameters.get("params")
    if param is None:
        return None
    for arg in typing.get_args(param.annotation) or (param.annotation,):
        # Required params are annotated with a plain string, optional ones with Optional["..."].
        name = arg if isinstance(arg, str) else getattr(arg, "__forward_arg__", None)
        if name and hasattr(stripe.params, name):
            return getattr(stripe.params, name)
    return None


@functools.cache
def routes() -> tuple[Route, ...]:
    """Every v1 endpoint of the SDK's top-level services: (verb, path template, params TypedDict)."""
    found: dict[tuple[str, str], Route] = {}
    for info in pkgutil.iter_modules(stripe.__path__):
        if not info.name.endswith("_service"):
            continue
        module = importlib.import_module(f"stripe.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, StripeService) or cls.__module__ != module.__name__:
                continue
            for name, fn in inspect.getmembers(cls, inspect.isfunction):
                if name.startswith("_") or name.endswith("_async"):
                    continue
                match = _REQUEST_CALL.search(inspect.getsource(fn))
                if not match:
                    continue
                method, template = match.group(1).upper(), match.group(2)
                regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
                found[(method, template)] = Route(
                    method=method,
                    template=template,
                    pattern=re.compile(f"^{regex}$"),
                    params=_params_class(fn),
                    literal_segments=template.count("/") - template.count("{"),
                )
    # A literal segment beats a placeholder: /v1/subscriptions/search before /v1/subscriptions/{id}.
    return tuple(sorted(found.values(), key=lambda r: -r.literal_segments))


@functools.cache
def _routes_by_shape() -> dict[tuple[str, int], tuple[Route, ...]]:
    """The routes grouped by verb and number of path segments, each group in routes() order: a request is
    matched against its own group only (a few routes instead of hundreds of patterns)."""
    groups: dict[tuple[str, int], list[Route]] = {}
    for route in routes():
        groups.setdefault((route.method, route.template.count("/")), []).append(route)
    return {key: tuple(group) for key, group in groups.items()}


def route_for(method: str, path: str) -> Route | None:
    candidates = _routes_by_shape().get((method, path.count("/")), ())
    return next((r for r in candidates if r.pattern.match(path)), None)


@functools.cache
def _hints(cls: type) -> dict[str, typing.Any]:
    module = importlib.import_module(cls.__module__)
    localns = {"StripeContext": StripeContext, "Mapping": typing.Mapping}
    hints = typing.get_type_hints(cls, globalns=vars(module), localns=localns)
    return {k: v for k, v in hints.items() if k not in _OPTION_KEYS}


def _is_typeddict(tp) -> bool:
    return isinstance(tp, type) and hasattr(tp, "__required_keys__")


def _describe(tp) -> str:
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if _is_typeddict(tp):
        return "an object"
    if origin in (list, typing.List):  # noqa: UP006 - the SDK's own spelling
        return "an array"
    if origin in (dict, typing.Dict):  # noqa: UP006
        return "a hash"
    return getattr(tp, "__name__", str(tp))


def _check(value, tp, param: str) -> None:
    """Raise ParamError unless the form-decoded `value` fits the SDK type `tp`."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        errors = []
        for arm in typing.get_args(tp):
            try:
                _check(value, arm, param)
                return
            except ParamError as exc:
                errors.append(exc)
        kinds = " or ".join(_describe(arm) for arm in typing.get_args(tp))
        if len(errors) == 1:
            raise errors[0]
        # The most specific complaint wins when one arm is an object that nearly fits.
        nested = [e for e in errors if e.param != param]
        raise nested[0] if nested else ParamError(f"Invalid {param}: must be {kinds}", code=None, param=param)
    if origin is typing.Literal:
        allowed = typing.get_args(tp)
        if value not in [str(a).lower() if isinstance(a, bool) else str(a) for a in allowed]:
            shown = ", ".join(str(a) for a in allowed if a != "")
            raise ParamError(f"Invalid {param}: must be one of {shown}", code=None, param=param)
        return
    if _is_typeddict(tp):
        if not isinstance(value, dict):
            raise ParamError(f"Invalid object for {param}", code="parameter_invalid_string", param=param)
        check_object(value, tp, prefix=param)
        return
    if origin in (list, typing.List):  # noqa: UP006
        if isinstance(value, dict) and not value:
            return
        if not isinstance(value, list):
            raise ParamError(f"Invalid array for {param}", code="parameter_invalid_string", param=param)
        (item_type,) = typing.get_args(tp) or (typing.Any,)
        for i, item in enumerate(value):
            _check(item, item_type, f"{param}[{i}]")
        return
    if origin in (dict, typing.Dict):  # noqa: UP006
        if not isinstance(value, dict):
            raise ParamError(f"Invalid hash for {param}", code="parameter_invalid_string", param=param)
        return
    if isinstance(value, dict | list):
        raise ParamError(
            f"Invalid {param}: must be {_describe(tp)}, not an object",
            code="parameter_invalid_string",
            param=param,
        )
    if tp is bool:
        if value not in ("true", "false"):
            raise ParamError(f"Invalid boolean: {value}", code="parameter_invalid_boolean", param=param)
    elif tp is int:
        if not re.fullmatch(r"-?\d+", value):
            raise ParamError(f"Invalid integer: {value}", code="parameter_invalid_integer", param=param)
    elif tp is float:
        if not re.fullmatch(r"-?\d+(\.\d+)?", value):
            raise ParamError(f"Invalid decimal: {value}", code="parameter_invalid_decimal", param=param)
    elif tp is str and value == "":
        # Stripe reads an empty string as "unset"; where the type does not allow it, it is refused.
        raise ParamError(
            f"You passed an empty string for '{param}'. We assume empty values are an attempt to unset a "
            "parameter; however '{param}' cannot be unset.",
            code="parameter_invalid_empty",
            param=param,
        )


def check_object(values: dict, cls: type, *, prefix: str = "") -> None:
    hints = _hints(cls)
    for key in values:
        name = f"{prefix}[{key}]" if prefix else key
        if key not in hints:
            raise ParamError(f"Received unknown parameter: {name}", code="parameter_unknown", param=name)
    for key in sorted(cls.__required_keys__ - _OPTION_KEYS):
        if key not in values:
            name = f"{prefix}[{key}]" if prefix else key
            raise ParamError(f"Missing required param: {name}.", code="parameter_missing", param=name)
    for key, value in values.items():
        _check(value, hints[key], f"{prefix}[{key}]" if prefix else key)


def validate(method: str, path: str, params: dict) -> Route | None:
    """The SDK route for this request after its parameters were checked; None for an unknown URL.
    Raises ParamError for a request Stripe would refuse."""
    route = route_for(method, path)
    if route is None:
        return None
    if route.params is None:
        if params:
            key = next(iter(params))
            raise ParamError(f"Received unknown parameter: {key}", code="parameter_unknown", param=key)
        return route
    check_object(params, route.params)
    return route


@functools.cache
def _resource_class(object_name: str) -> type | None:
    from stripe._object_classes import OBJECT_CLASSES

    where = OBJECT_CLASSES.get(object_name)
    return getattr(importlib.import_module(where[0]), where[1]) if where else None


@functools.cache
def _class_annotations(cls: type) -> dict[str, typing.Any]:
    found: dict[str, typing.Any] = {}
    for klass in reversed(cls.__mro__):
        found.update(
            {k: v for k, v in getattr(klass, "__annotations__", {}).items() if not k.startswith("_")}
        )
    return found


def _resource_annotations(object_name: str) -> dict[str, typing.Any]:
    cls = _resource_class(object_name)
    return _class_annotations(cls) if cls else {}


@functools.cache
def declared_fields(object_name: str) -> frozenset[str]:
    """The fields the SDK's resource class declares for an API object (`"subscription"` -> Subscription):
    what the pinned API version sends. Unknown objects declare nothing."""
    annotations = _resource_annotations(object_name)
    return frozenset(annotations) | {"id", "object"} if annotations else frozenset()


@functools.cache
def nullable_fields(object_name: str) -> frozenset[str]:
    """The declared fields that may be null (Optional[...] in the SDK's resource class)."""
    return _nullable(_resource_annotations(object_name))


def _nullable(annotations: dict[str, typing.Any]) -> frozenset[str]:
    return frozenset(k for k, v in annotations.items() if type(None) in typing.get_args(v))


def _nested_class(annotation) -> type | None:
    """The SDK's nested shape class a field's annotation holds (`Optional[Refund.DestinationDetails]`,
    `List[Invoice.Line]`), if any. API objects (forward references) carry their own "object" name and
    are checked by it; free-form fields (`Dict[str, str]` metadata) hold no class and are not checked."""
    if isinstance(annotation, type):
        return annotation if issubclass(annotation, stripe.StripeObject) else None
    for arg in typing.get_args(annotation):
        found = _nested_class(arg)
        if found is not None:
            return found
    return None


def undeclared_fields(obj, path: str = "", shape: type | None = None) -> list[str]:
    """Fields of `obj`, of the API objects nested in it and of their nested shapes (an object's
    sub-structures, which have no "object" name), that the pinned API version does not have, and nulls
    where that version's type is not nullable. `shape`: the SDK class `obj` must match when it is such a
    sub-structure."""
    found: list[str] = []
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            found += undeclared_fields(item, f"{path}[{i}]", shape)
    elif isinstance(obj, dict):
        if isinstance(obj.get("object"), str):
            annotations = _resource_annotations(obj["object"])
            declared = declared_fields(obj["object"]) or None
            nullable = nullable_fields(obj["object"])
            label = path or obj["object"]
        else:
            annotations = _class_annotations(shape) if shape else {}
            declared = frozenset(annotations) if shape else None
            nullable = _nullable(annotations)
            label = path
        for key, value in obj.items():
            where = f"{label}.{key}" if label else key
            if declared and key not in declared:
                found.append(where)
            elif declared and value is None and key not in nullable:
                found.append(f"{where}=null")
            if isinstance(value, dict | list):  # only containers can hold more objects
                nested = _nested_class(annotations.get(key)) if declared else None
                found += undeclared_fields(value, f"{path}.{key}" if path else key, nested)
    return found
