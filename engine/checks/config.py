"""Which checks `rules check` runs: `[tool.prognosis.check]` in pyproject.toml or a
`.prognosis.yaml`, found from the current directory upwards (the nearest wins).

    [tool.prognosis.check]            # .prognosis.yaml:
    select = ["schema", "examples"]   #   check:
    ignore = ["citation-doi"]         #     ignore: [citation-doi]

`select` limits the run to those check ids (default: all); `ignore` leaves ids out.
On the command line `--select` replaces the configured list and `--ignore` adds to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem

KEYS = ("select", "ignore")


@dataclass(frozen=True)
class CheckConfig:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    source: str | None = None  # the file it came from

    def chosen(self, known: list[str]) -> list[str]:
        """The check ids to run, in registry order; unknown ids are bad input."""
        unknown = [i for i in (*self.select, *self.ignore) if i not in known]
        if unknown:
            where = f" (in {self.source})" if self.source else ""
            raise InputError([Problem(self.source or "--select/--ignore",
                                      f"unknown check id '{i}'{where}; see "
                                      "`prognosis rules check --list`") for i in unknown])
        return [i for i in known if (not self.select or i in self.select)
                and i not in self.ignore]

    def overridden(self, select: tuple[str, ...], ignore: tuple[str, ...]) -> CheckConfig:
        return CheckConfig(select or self.select, (*self.ignore, *ignore), self.source)


def _section(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.name == "pyproject.toml":
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError([Problem(str(path), f"invalid TOML: {exc}")]) from None
        return data.get("tool", {}).get("prognosis", {}).get("check")
    from ..yamlio import parse_yaml

    data = parse_yaml(text, str(path))
    return data.get("check") if isinstance(data, dict) else None


def _ids(path: Path, key: str, value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise InputError([Problem(str(path), f"check.{key}: must be a list of check ids")])
    return tuple(items)


def load_config(start: Path) -> CheckConfig:
    """The nearest configuration at or above `start` (none: every check)."""
    for directory in (start.resolve(), *start.resolve().parents):
        for name in (".prognosis.yaml", "pyproject.toml"):
            path = directory / name
            if not path.is_file():
                continue
            section = _section(path)
            if section is None:
                continue
            if not isinstance(section, dict):
                raise InputError([Problem(str(path), "the check section must be a mapping")])
            extra = sorted(set(section) - set(KEYS))
            if extra:
                raise InputError([Problem(str(path), f"unknown key '{k}' in the check section; "
                                          f"allowed: {', '.join(KEYS)}") for k in extra])
            return CheckConfig(_ids(path, "select", section.get("select", [])),
                               _ids(path, "ignore", section.get("ignore", [])), str(path))
    return CheckConfig()
