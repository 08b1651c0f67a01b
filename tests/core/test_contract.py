"""docs/ecl-contract.md and what cites it: every section the code, the tests and the docs cite
exists, and every emulator rule (section 4) and tolerant-reader rule (section 5) is cited by the
code that follows it.

A citation is `§N` or `§N.M` (unless another document, such as an RFC, is named just before it),
or "section N" / "sections N and M" shortly after the word "contract".
"""

import os
import re
from pathlib import Path

from tests.helpers import ROOT

CONTRACT = ROOT / "docs" / "ecl-contract.md"
SKIPPED_DIRS = {
    ".git",
    ".venv",
    "node_modules",
    "staticfiles",
    "test-artifacts",
    "__pycache__",
    ".hypothesis",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    "locale",  # the catalog repeats the code's strings
}
SUFFIXES = {".py", ".md", ".html", ".txt", ".js", ".toml", ".mjs", ".json", ".yml", ".yaml"}
NUMBER = r"\d+(?:\.\d+)?"
SIGN = re.compile(rf"§\s?({NUMBER})")
SECTIONS = re.compile(rf"\bsections?\s+({NUMBER}(?:(?:\s*,\s*|\s+and\s+|\s+or\s+){NUMBER})*)")
OTHER_DOCUMENT = re.compile(r"RFC|OpenID|OAuth|WebAuthn|FIDO|W3C|specification", re.IGNORECASE)
NEAR = 120  # characters before a citation in which its document is named


def defined_sections() -> set[str]:
    """`5` for a heading "## 5. ...", `5.2` for a rule "**§5.2 ...**"."""
    text = CONTRACT.read_text()
    headings = set(re.findall(r"^## (\d+)\. ", text, re.MULTILINE))
    rules = set(re.findall(r"\*\*§(\d+\.\d+) ", text))
    return headings | rules


def scanned_files() -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [name for name in dirs if name not in SKIPPED_DIRS]
        for name in files:
            path = Path(folder) / name
            if path in (CONTRACT, Path(__file__).resolve()):
                continue
            if path.suffix in SUFFIXES or name in {"Makefile", "run"}:
                found.append(path)
    return found


def citations(text: str) -> list[tuple[str, int]]:
    """(section, line) of every citation of the contract in `text`."""
    found = []
    for pattern, needs_the_contract in ((SIGN, False), (SECTIONS, True)):
        for match in pattern.finditer(text):
            before = text[max(0, match.start() - NEAR) : match.start()]
            named = before.lower().rfind("contract")
            if needs_the_contract and named < 0:
                continue
            if OTHER_DOCUMENT.search(before[named + 1 :]):
                continue  # another document's section, named after the last mention of ours
            for number in re.findall(NUMBER, match.group(1)):
                found.append((number, text.count("\n", 0, match.start()) + 1))
    return found


def cited_in(paths) -> dict[str, list[str]]:
    """section -> the places (`path:line`) that cite it."""
    places: dict[str, list[str]] = {}
    for path in paths:
        for number, line in citations(path.read_text(errors="replace")):
            places.setdefault(number, []).append(f"{path.relative_to(ROOT)}:{line}")
    return places


def test_the_contract_has_sections_1_to_6_and_numbered_rules_in_each():
    sections = defined_sections()
    assert {str(n) for n in range(1, 7)} <= sections
    for heading in range(1, 7):
        assert any(s.startswith(f"{heading}.") for s in sections), heading


def test_every_section_cited_in_the_repository_exists_in_the_contract():
    sections = defined_sections()
    missing = {
        number: places
        for number, places in cited_in(scanned_files()).items()
        if number not in sections
    }
    assert missing == {}, "cited but not in docs/ecl-contract.md"


def test_a_citation_of_a_missing_section_is_found():
    """The check above can fail: each form of citation is seen, other documents' are not."""
    text = (
        "reads ECL (ecl-contract.md §9.9) and §5\n"
        "# the emulator follows ecl-contract.md, sections 3 and 12\n"
        "as the contract says in section 14.2\n"
        "OpenID Connect Core §3.1.2.1, RFC 7636 section 4.2\n"
    )
    assert [number for number, _line in citations(text)] == ["9.9", "5", "3", "12", "14.2"]
    assert {"9.9", "12", "14.2"} - defined_sections() == {"9.9", "12", "14.2"}


def test_every_emulator_rule_is_cited_by_the_emulator():
    emulator = cited_in((ROOT / "ecl_emulator").rglob("*.py"))
    rules = {s for s in defined_sections() if s.startswith("4.")}
    assert sorted(rules - set(emulator), key=_order) == []


def test_every_tolerant_reader_rule_is_cited_by_the_client():
    client = cited_in((ROOT / "apps_admin").rglob("*.py"))
    rules = {s for s in defined_sections() if s.startswith("5.")}
    assert sorted(rules - set(client), key=_order) == []


def test_the_emulators_error_texts_are_the_contracts():
    from ecl_emulator import reply

    text = CONTRACT.read_text()
    for name in (
        "NOT_AUTHENTICATED",
        "TENANT_SUSPENDED",
        "TENANT_DELETED",
        "APP_DOES_NOT_EXIST",
        "DESCRIPTION_TOO_LONG",
        "DOMAIN_TOO_LONG",
        "INVALID_DOMAIN",
        "INVALID_STATUS",
        "INVALID_PERMISSIONS",
        "INVALID_REQUEST",
    ):
        assert f"`{getattr(reply, name)}`" in text, name


def _order(section: str) -> tuple[int, ...]:
    return tuple(int(part) for part in section.split("."))
