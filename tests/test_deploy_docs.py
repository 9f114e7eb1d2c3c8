"""The deployment files of docs/deploy/ say only what rag understands: the compose file parses, every RAG_*
variable they set is a setting (a Settings field or an option's environment variable), every `rag` command they
run is a real subcommand with real options, and the systemd units have the sections systemd needs."""

from __future__ import annotations

import configparser
import dataclasses
import re
import shlex
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from rag.cli import main
from rag.config import Settings, env_name

DEPLOY = Path(__file__).resolve().parent.parent / "docs" / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))


def _known_variables() -> set[str]:
    """RAG_* names rag reads: each Settings field's, and the environment variables of the commands' options."""
    names = {env_name(f.name) for f in dataclasses.fields(Settings) if f.name != "thresholds"}

    def walk(cmd: click.Command):
        for p in cmd.params:
            for var in [p.envvar] if isinstance(p.envvar, str) else (p.envvar or []):
                names.add(var)
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub)
    walk(main)
    return names


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _unit(path: Path) -> tuple[configparser.ConfigParser, dict[str, list[str]]]:
    """The unit as INI (sections), and every value of each key (systemd repeats keys such as Environment)."""
    ini = configparser.ConfigParser(strict=False, interpolation=None)
    ini.optionxform = str  # systemd keys are case-sensitive
    ini.read_string(path.read_text())
    values: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            values.setdefault(key.strip(), []).append(value.strip())
    return ini, values


def _set_variables() -> dict[str, str]:
    """Every RAG_* variable the files set, with where."""
    found = {}
    for name, service in _compose()["services"].items():
        for var in (service.get("environment") or {}):
            if var.startswith("RAG_"):
                found[var] = f"compose.yaml: {name}"
    for path in UNITS:
        for assignment in _unit(path)[1].get("Environment", []):
            for word in shlex.split(assignment):
                var = word.split("=", 1)[0]
                if var.startswith("RAG_"):
                    found[var] = path.name
    return found


def _rag_commands() -> list[tuple[str, list[str]]]:
    """The argument lists given to `rag` (after the program name), with where."""
    runs = []
    for name, service in _compose()["services"].items():
        cmd = service.get("command")
        runs.append((f"compose.yaml: {name}", cmd if isinstance(cmd, list) else shlex.split(cmd or "")))
    for path in UNITS:
        for line in _unit(path)[1].get("ExecStart", []):
            runs.append((path.name, shlex.split(line.lstrip("-@:+!"))))
    return [(where, argv[1:]) for where, argv in runs if argv and Path(argv[0]).name == "rag"]


def test_the_files_are_there():
    assert (DEPLOY / "compose.yaml").is_file() and len(UNITS) >= 2
    assert _rag_commands() and _set_variables()


def test_the_compose_file_parses_and_names_its_services():
    compose = _compose()
    assert {"llm", "api", "proxy", "milvus", "indexer"} <= set(compose["services"])
    for name, service in compose["services"].items():
        assert service.get("image") or service.get("build"), name


def test_every_rag_variable_is_a_setting():
    known = _known_variables()
    unknown = {var: where for var, where in _set_variables().items() if var not in known}
    assert not unknown, f"not a setting rag reads: {unknown}"


def test_the_store_setting_is_the_one_documented():
    assert "RAG_STORE" in _set_variables() and "RAG_STORE" in _known_variables()


def _resolve(argv: list[str]) -> tuple[list[str], list[tuple[click.Command, list[str]]]]:
    """The command path of `argv` (["serve"]) and each level's command with the options given to it."""
    cmd, path, levels, given = main, [], [], []
    for word in argv:
        if isinstance(cmd, click.Group) and not word.startswith("-") and word in cmd.commands:
            levels.append((cmd, given))
            cmd, given = cmd.commands[word], []
            path.append(word)
        elif word.startswith("--"):
            given.append(word.split("=", 1)[0])
    levels.append((cmd, given))
    return path, levels


@pytest.mark.parametrize("where,argv", _rag_commands(), ids=lambda x: x if isinstance(x, str) else " ".join(x))
def test_every_rag_command_is_real(where, argv):
    path, levels = _resolve(argv)
    assert path and not isinstance(levels[-1][0], click.Group), f"{where}: `rag {' '.join(argv)}` runs no subcommand"
    for cmd, given in levels:
        opts = {o for p in cmd.params for o in getattr(p, "opts", [])}
        assert set(given) <= opts, f"{where}: {sorted(set(given) - opts)} are not options of `{cmd.name}`"
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    for opt in levels[-1][1]:
        assert opt in result.output


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_systemd_units_have_the_required_sections(path):
    ini, values = _unit(path)
    assert {"Unit", "Service"} <= set(ini.sections()), path.name
    assert ini["Unit"].get("Description")
    assert len(values.get("ExecStart", [])) == 1 and Path(shlex.split(values["ExecStart"][0])[0]).is_absolute()
    if ini["Service"].get("Type") != "oneshot":
        assert ini.has_section("Install") and ini["Install"].get("WantedBy"), f"{path.name}: cannot be enabled"


def test_the_guide_links_its_files():
    guide = (DEPLOY.parent / "deploy.md").read_text()
    for f in ["compose.yaml", *(p.name for p in UNITS)]:
        assert re.search(rf"deploy/{re.escape(f)}", guide), f"docs/deploy.md does not mention {f}"
