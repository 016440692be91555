"""The documentation keeps up with the code: every configuration key is documented, and the
README's links into Documentation/ resolve. Standard library only; needs no build."""
import json
import re
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIGURATION_DOC = ROOT / "Documentation" / "configuration.md"
SETTINGS = ROOT / "Sources" / "tessera" / "Settings.swift"

# `static let defaults: [AbsoluteConfigKey: ConfigValue] = [` or `[String: ConfigValue]`.
DEFAULTS_START = re.compile(r"static\s+let\s+defaults\s*:\s*\[\s*\w+\s*:\s*ConfigValue\s*\]\s*=\s*\[")
DEFAULTS_KEY = re.compile(r'^\s*"([A-Za-z0-9_.]+)"\s*:')
SECTION = re.compile(r'static\s+let\s+section\s*=\s*"([A-Za-z0-9_.]*)"')
DOC_LINK = re.compile(r"\]\((Documentation/[^)\s]+)\)")


def flatten(value, prefix=""):
    """Dotted names of the leaves of a JSON object (arrays and scalars are leaves)."""
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from flatten(child, f"{prefix}.{key}" if prefix else key)
    elif prefix:
        yield prefix


def defaults_keys(source: Path):
    """Keys of every `static let defaults` dictionary in a Swift file, made absolute with the
    file's `static let section` when it has one (the per-module configuration sections)."""
    text = source.read_text(encoding="utf-8")
    section = SECTION.search(text)
    prefix = section.group(1) if section else ""
    keys = []
    for match in DEFAULTS_START.finditer(text):
        for line in text[match.end():].splitlines():
            if line.strip().startswith("]"):
                break
            key = DEFAULTS_KEY.match(line)
            if key:
                keys.append(f"{prefix}.{key.group(1)}" if prefix else key.group(1))
    return keys


def code_defaults():
    """Configuration keys declared in the Swift sources: Settings.swift if it is there, and any
    other `defaults` dictionary of ConfigValues under Sources/ (where the settings move to)."""
    files = [SETTINGS] if SETTINGS.exists() else []
    for path in sorted((ROOT / "Sources").rglob("*.swift")):
        if path != SETTINGS and "static let defaults" in path.read_text(encoding="utf-8"):
            files.append(path)
    return {key: path for path in files for key in defaults_keys(path)}


def test_every_configuration_key_is_documented():
    documented = CONFIGURATION_DOC.read_text(encoding="utf-8")
    config = json.loads((ROOT / "Config" / "tessera.json").read_text(encoding="utf-8"))
    json_keys = sorted(flatten(config))
    assert json_keys, "Config/tessera.json has no keys"
    missing = [key for key in json_keys if f"`{key}`" not in documented]
    assert not missing, f"keys of Config/tessera.json missing from {CONFIGURATION_DOC.name}: {missing}"

    declared = code_defaults()
    if not declared:
        warnings.warn("no `static let defaults` dictionary found under Sources/; checked Config/tessera.json only")
        return
    missing = sorted(f"{key} ({path.relative_to(ROOT)})" for key, path in declared.items() if f"`{key}`" not in documented)
    assert not missing, f"configuration keys with defaults in the code missing from {CONFIGURATION_DOC.name}: {missing}"


def test_readme_links_into_documentation_resolve():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = DOC_LINK.findall(readme)
    assert links, "README.md links to nothing under Documentation/"
    broken = [link for link in links if not (ROOT / link.split("#", 1)[0]).is_file()]
    assert not broken, f"README.md links to missing files: {broken}"
