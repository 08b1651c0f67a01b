"""The layers import downwards only: a call goes from `pages/` or `api/` to `app_actions` and
`ecl/` and never climbs back; `accounts/` and `usage/` sit beside the core, below the pages and
the API; the development tools (`devtools/`) stay out of everything that ships."""

import ast
from pathlib import Path

import pytest

from tests.helpers import ROOT

EVERY_PART = ("pages", "api", "accounts", "usage", "ecl", "core")
UPPER = ("apps_admin.pages", "apps_admin.api")
DEV_ONLY = ("devtools", "ecl_emulator")

# Each part of apps_admin (`core`: the modules at its top and management/, migrations/), and the
# modules it must never import.
FORBIDDEN = {
    "pages": ("apps_admin.api", *DEV_ONLY),
    "api": ("apps_admin.pages", *DEV_ONLY),
    "accounts": (*UPPER, *DEV_ONLY),
    "usage": (*UPPER, *DEV_ONLY),
    "ecl": (*UPPER, "apps_admin.app_actions", "apps_admin.accounts", "apps_admin.usage", *DEV_ONLY),
    "core": (*UPPER, *DEV_ONLY),
}


def part_of(path: Path) -> str:
    relative = path.relative_to(ROOT / "apps_admin").parts
    if len(relative) == 1 or relative[0] in ("management", "migrations"):
        return "core"
    return relative[0]


def imports_of(path: Path) -> set[str]:
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    return imports_in(path.read_text(), package)


def imports_in(source: str, package: str) -> set[str]:
    """Every module the source imports, relative imports resolved, with each imported name."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{module}" if module else base
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def is_within(name: str, module: str) -> bool:
    return name == module or name.startswith(module + ".")


def forbidden_among(names: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(is_within(n, module) for module in forbidden))


def offenders(paths, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in paths
        for name in forbidden_among(imports_of(path), forbidden)
    ]


def test_every_module_of_apps_admin_belongs_to_a_part_with_rules():
    """A new package of apps_admin fails here until it is given its place in FORBIDDEN."""
    parts = {part_of(path) for path in (ROOT / "apps_admin").rglob("*.py")}
    assert parts == set(EVERY_PART)


@pytest.mark.parametrize("part", EVERY_PART)
def test_no_part_imports_what_lies_above_it_or_the_development_tools(part):
    paths = [p for p in (ROOT / "apps_admin").rglob("*.py") if part_of(p) == part]
    assert paths
    assert offenders(paths, FORBIDDEN[part]) == []


def test_the_settings_and_urls_import_no_development_tool():
    assert offenders((ROOT / "portal").rglob("*.py"), DEV_ONLY) == []


def test_the_development_tools_may_use_the_emulator_and_the_core():
    """The other way round is allowed: devtools drives the emulator for `make run`."""
    used = set().union(*(imports_of(p) for p in (ROOT / "devtools").rglob("*.py")))
    assert any(is_within(name, "ecl_emulator") for name in used)
    assert offenders((ROOT / "devtools").rglob("*.py"), UPPER) == []


@pytest.mark.parametrize(
    "line",
    [
        "import apps_admin.pages.common",
        "from apps_admin.api import views",
        "from apps_admin import pages",
        "from ..pages import common",
        "from . import views",  # in apps_admin.api, below
        "from devtools.management.commands import rundemo",
        "import ecl_emulator",
    ],
)
def test_the_rule_sees_a_forbidden_import_in_any_form(line):
    """The scan is not blind: plain, from- and relative imports are all caught."""
    package = "apps_admin.api" if line.startswith("from . ") else "apps_admin.usage"
    assert forbidden_among(imports_in(line, package), FORBIDDEN["usage"]) != []


def test_only_url_confs_import_a_views_module():
    """Helpers that views and pages share live in a module of their own, not in a views module."""
    found = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / "apps_admin").rglob("*.py")
        if path.name != "urls.py"
        for name in sorted(imports_of(path))
        if name.startswith("apps_admin.") and name.split(".")[-1] == "views"
    ]
    assert found == []
