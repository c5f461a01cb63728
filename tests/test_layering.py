"""The import direction the README's Architecture section promises.

``repository_core`` and ``serializers`` know nothing of the web or the
server; ``datacite_client`` knows nothing of the server; the OAI-PMH core
(``oaiserver.oai`` minus its Flask view) imports without Flask or
SQLAlchemy; the CLI reaches the web layer only where ``serve`` starts it.
The checks read the source (``ast``) so that an import hidden in a function
counts too, and one check imports the OAI core in a fresh interpreter
where Flask, Werkzeug and SQLAlchemy cannot be imported at all.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path, root: Path = ROOT) -> list[tuple[str, int, bool]]:
    """(module, line, at module level) for every import in a file; relative imports resolved."""
    package = ".".join(path.relative_to(root).parts[:-1])
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    top_level = {id(node) for node in tree.body}
    found: list[tuple[str, int, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno, id(node) in top_level) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            found.append((module, node.lineno, id(node) in top_level))
    return found


def _offences(
    folder: str, forbidden: tuple[str, ...], *, skip: tuple[str, ...] = (), root: Path = ROOT
) -> list[str]:
    offences = []
    for path in sorted((root / folder).rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative in skip:
            continue
        for module, line, _ in _imports(path, root):
            if any(module == name or module.startswith(name + ".") for name in forbidden):
                offences.append(f"{relative}:{line} imports {module}")
    return offences


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("repository_core", ("flask", "werkzeug", "oaiserver", "serializers", "datacite_client")),
        ("serializers", ("flask", "werkzeug", "oaiserver", "datacite_client")),
        ("datacite_client", ("flask", "werkzeug", "oaiserver")),
    ],
)
def test_lower_packages_never_import_upwards(folder: str, forbidden: tuple[str, ...]) -> None:
    assert _offences(folder, forbidden) == []


def test_only_the_oai_view_module_knows_flask() -> None:
    assert _offences("oaiserver/oai", ("flask", "werkzeug"), skip=("oaiserver/oai/views.py",)) == []


def test_the_cli_reaches_the_web_layer_only_where_serve_starts_it() -> None:
    reaching = [
        (path.relative_to(ROOT).as_posix(), line, top)
        for path in sorted((ROOT / "oaiserver" / "cli").rglob("*.py"))
        for module, line, top in _imports(path)
        if module == "oaiserver.http" or module.startswith("oaiserver.http.")
    ]
    assert [(path, top) for path, _, top in reaching] == [("oaiserver/cli/serve.py", False)]


def test_the_checks_see_a_forbidden_import(tmp_path: Path) -> None:
    """The AST walk catches imports inside functions and resolves relative ones."""
    (tmp_path / "oaiserver" / "cli").mkdir(parents=True)
    (tmp_path / "oaiserver" / "cli" / "probe.py").write_text(
        "import json\n\ndef f():\n    from ..http import app\n    from . import context\n"
    )
    assert _offences("oaiserver", ("oaiserver.http",), root=tmp_path) == [
        "oaiserver/cli/probe.py:4 imports oaiserver.http"
    ]
    assert _imports(tmp_path / "oaiserver" / "cli" / "probe.py", tmp_path) == [
        ("json", 1, True),
        ("oaiserver.http", 4, False),
        ("oaiserver.cli", 5, False),
    ]


def test_the_oai_core_imports_without_flask_or_sqlalchemy() -> None:
    script = textwrap.dedent(
        """
        import sys
        from importlib.abc import MetaPathFinder

        BLOCKED = ("flask", "werkzeug", "sqlalchemy")

        class Block(MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"blocked: {name}")
                return None

        sys.meta_path.insert(0, Block())
        import oaiserver.oai
        from oaiserver.oai import OAIEndpoint, handle, Repository
        import oaiserver.oai.verbs, oaiserver.oai.xml, oaiserver.oai.tokens
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
        print("loaded:", loaded)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], check=False, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "loaded: []"
