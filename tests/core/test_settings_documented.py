"""Every variable portal/settings.py reads from the environment is in .env.example and in one of
the README's settings tables, and nothing is listed there that the settings do not read."""

import ast
import re

from tests.helpers import ROOT

SETTINGS = ROOT / "portal" / "settings.py"
# portal/settings.py reads a variable as `env.int("NAME", ...)`, `env.db("NAME")`, `env("NAME")`.
ENV_OBJECT = "env"


def read_by_settings() -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(SETTINGS.read_text())):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        function = node.func
        by_env = (isinstance(function, ast.Name) and function.id == ENV_OBJECT) or (
            isinstance(function, ast.Attribute)
            and isinstance(function.value, ast.Name)
            and function.value.id == ENV_OBJECT
            and function.attr != "read_env"
        )
        first = node.args[0]
        if by_env and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def in_env_example() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


def in_readme_tables() -> set[str]:
    """The names in the first column of the README's `| variable | meaning | default |` tables."""
    names: set[str] = set()
    in_table = False
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("| variable |"):
            in_table = True
        elif not line.startswith("|"):
            in_table = False
        elif in_table:
            first_cell = line.split("|")[1]
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell))
    return names


def test_the_settings_read_the_variables_we_expect_to_find():
    """The reader sees every form of read (so the checks below cannot pass on an empty set)."""
    read = read_by_settings()
    assert {"SECRET_KEY", "DEBUG", "DATABASE_URL", "CACHE_URL", "ECL_ALLOWED_ENDPOINTS"} <= read
    assert {"OIDC_CLIENT_ID", "API_SECRETKEY_RATE", "CONN_MAX_AGE"} <= read
    assert "PORTAL_ENV_FILE" not in read  # where .env is, read by os.environ: not a setting


def test_env_example_lists_every_variable_the_settings_read_and_no_other():
    read, listed = read_by_settings(), in_env_example()
    assert sorted(read - listed) == [], "read by portal/settings.py, missing from .env.example"
    assert sorted(listed - read) == [], "in .env.example, never read by portal/settings.py"


def test_the_readme_tables_list_every_variable_the_settings_read_and_no_other():
    read, listed = read_by_settings(), in_readme_tables()
    assert sorted(read - listed) == [], "read by portal/settings.py, missing from the README"
    assert sorted(listed - read) == [], "in the README's tables, never read by portal/settings.py"
