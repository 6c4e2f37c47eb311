"""Every error of the package says whether a retry can fix it, and the tasks' policy obeys.

Walks every exception class defined in dti_pipeline: each derives from exactly one of
PermanentError and TransientError, or is a family of such classes that is never raised
itself; the retry policy fails the first kind at once and retries the second.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from airflow.sdk import RetryAction

import dti_pipeline
from dti_pipeline.errors import PermanentError, PipelineError, TransientError
from dti_pipeline.orchestration.policies import retry_transient_only


def _modules():
    for info in pkgutil.walk_packages(dti_pipeline.__path__, "dti_pipeline."):
        yield importlib.import_module(info.name)


def _exception_classes() -> list[type[BaseException]]:
    found = {}
    for module in _modules():
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__.startswith("dti_pipeline."):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


def _raised_names() -> set[str]:
    """Names of the classes that some `raise` statement of the package instantiates or raises."""
    names = set()
    for path in Path(dti_pipeline.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(target, ast.Name):
                    names.add(target.id)
                elif isinstance(target, ast.Attribute):
                    names.add(target.attr)
    return names


CLASSES = _exception_classes()
RAISED = _raised_names()


def test_the_walk_finds_the_errors_of_every_layer():
    names = {c.__name__ for c in CLASSES}
    assert {
        "AuthFailed",
        "CompletenessError",
        "DataTestFailed",
        "WarehouseUnreachable",
        "MonthError",
    } <= names
    assert len(CLASSES) >= 20


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_error_is_either_permanent_or_transient(cls):
    assert issubclass(cls, PipelineError), f"{cls.__qualname__} is outside dti_pipeline.errors' hierarchy"
    permanent, transient = issubclass(cls, PermanentError), issubclass(cls, TransientError)
    assert not (permanent and transient), f"{cls.__qualname__} is both permanent and transient"
    if cls in (PipelineError, PermanentError, TransientError):
        return
    if not (permanent or transient):
        # a family (e.g. WarehouseError): only its classified subclasses may be raised
        assert cls.__subclasses__(), f"{cls.__qualname__} says neither whether to retry nor has kinds"
        assert cls.__name__ not in RAISED, f"{cls.__qualname__} is raised but says neither kind"
        return
    error = cls("a message that names what to fix")
    action = retry_transient_only.evaluate(error, try_number=1, max_tries=4).action
    assert action == (RetryAction.FAIL if permanent else RetryAction.RETRY)


def test_the_errors_module_imports_nothing_of_the_package():
    tree = ast.parse(Path(inspect.getfile(PipelineError)).read_text(encoding="utf-8"))
    imported = [
        getattr(node, "module", None) or node.names[0].name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert not [m for m in imported if m.startswith("dti_pipeline")], imported
