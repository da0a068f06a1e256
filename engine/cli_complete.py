"""Shell completion for `casus`: treaty ids, `TREATY.PROVISION`, bundled scenario and space
names, and files. click's machinery (`eval "$(_CASUS_COMPLETE=bash_source casus)"`, see the
README), with one change to its bash and zsh scripts: a completion the user goes on typing after
(`ru_kp_2024.`, `scenarios/`) is inserted without a space after it (fish does this itself).

A completion must never fail loudly: whatever goes wrong, it offers nothing rather than a
traceback at a prompt."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import BashComplete, CompletionItem, ZshComplete, add_completion_class

from engine import api

if TYPE_CHECKING:
    from engine.language.library import Library

# A value ending in "." or "/" is a prefix: the user types on after it.
_BASH_PLAIN = "        elif [[ $type == 'plain' ]]; then\n            COMPREPLY+=($value)\n"
_BASH_PLAIN_NOSPACE = (_BASH_PLAIN + "            [[ $value == *[./] ]] && compopt -o nospace\n")

_ZSH_PLAIN = '            if [[ "$descr" == "_" ]]; then\n                completions+=("$key")\n'
_ZSH_PLAIN_PREFIX = ('            if [[ "$descr" == "_" && "$key" == *[./] ]]; then\n'
                     '                prefixes+=("$key")\n'
                     '            elif [[ "$descr" == "_" ]]; then\n'
                     '                completions+=("$key")\n')
_ZSH_DECLARE = "    local -a completions\n"
_ZSH_ADD = "    if [ -n \"$completions\" ]; then\n"
_ZSH_ADD_PREFIXES = ("    if [ -n \"$prefixes\" ]; then\n        compadd -S '' -U -V unsorted -a prefixes\n    fi\n\n"
                     + _ZSH_ADD)


def _patched(template: str, *edits: tuple[str, str]) -> str:
    """click's script with these edits, or click's script as it is when a click release has
    changed the lines they replace (completion then adds a space after a prefix, as before)."""
    if not all(old in template for old, _ in edits):
        return template
    for old, new in edits:
        template = template.replace(old, new, 1)
    return template


class _Bash(BashComplete):
    source_template = _patched(BashComplete.source_template, (_BASH_PLAIN, _BASH_PLAIN_NOSPACE))


class _Zsh(ZshComplete):
    source_template = _patched(ZshComplete.source_template, (_ZSH_DECLARE, _ZSH_DECLARE + "    local -a prefixes\n"),
                               (_ZSH_PLAIN, _ZSH_PLAIN_PREFIX), (_ZSH_ADD, _ZSH_ADD_PREFIXES))


def install_shells() -> None:
    """Use the scripts above for bash and zsh (click keeps one class per shell name)."""
    add_completion_class(_Bash, "bash")
    add_completion_class(_Zsh, "zsh")


def _files(incomplete: str, suffixes: tuple[str, ...]) -> list[Any]:
    """Files with these suffixes and folders whose path starts with `incomplete`, sorted."""
    folder, _, stem = incomplete.rpartition("/")
    where = Path(folder + "/" if folder or incomplete.startswith("/") else ".")
    try:
        entries = sorted(where.iterdir())
    except OSError:
        return []
    out = []
    for e in entries:
        if not e.name.startswith(stem) or (e.name.startswith(".") and not stem.startswith(".")):
            continue
        shown = f"{folder}/{e.name}" if folder or incomplete.startswith("/") else e.name
        if e.is_dir():
            out.append(CompletionItem(shown + "/", type="plain"))
        elif e.name.endswith(suffixes):
            out.append(CompletionItem(shown))
    return out


def _completion_library(ctx: click.Context) -> Library | None:
    try:
        library = ctx.params.get("library")
        extra = ctx.params.get("extra") or ()
        return api.load_library(api.sources(library, extra) if extra else library)
    except Exception:  # a broken --with file: no names to offer
        return None


def complete_treaty(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Treaty ids of the library (and, for `diff`, .casus files)."""
    lib = _completion_library(ctx)
    ids = sorted(t for t in lib.treaties if t.startswith(incomplete)) if lib else []
    items = [CompletionItem(t) for t in ids]
    if param.name in ("a", "b"):
        items += _files(incomplete, (".casus",))
    return items


def complete_provision(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """`TREATY.` first, then `TREATY.PROVISION` once a treaty is written out."""
    lib = _completion_library(ctx)
    if lib is None:
        return []
    treaty, dot, _ = incomplete.partition(".")
    if dot and treaty in lib.treaties:
        names = sorted(f"{treaty}.{p.id}" for p in lib.treaties[treaty].provisions)
        return [CompletionItem(n) for n in names if n.startswith(incomplete)]
    return [CompletionItem(f"{t}.", type="plain") for t in sorted(lib.treaties) if t.startswith(incomplete)]


def complete_scenario(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Bundled scenario names, then scenario files (.casus, .json) and folders."""
    from engine.base.paths import scenarios_dir

    try:
        folder = scenarios_dir()
        names = sorted({f.stem for f in folder.iterdir() if f.suffix in (".casus", ".json")})
    except OSError:
        names = []
    return ([CompletionItem(n) for n in names if n.startswith(incomplete)]
            + _files(incomplete, (".casus", ".json")))


def complete_casus_file(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Language files (.casus) and folders."""
    return _files(incomplete, (".casus",))


def complete_space(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Bundled sweep spaces by name, then JSON files and folders."""
    from engine.base.paths import scenarios_dir

    try:
        names = sorted(f.stem for f in (scenarios_dir() / "spaces").glob("*.json"))
    except OSError:
        names = []
    return [CompletionItem(n) for n in names if n.startswith(incomplete)] + _files(incomplete, (".json",))
