"""Click options declared by the configuration dataclasses, so the CLI never restates a setting.

Each field of ``Word2VecConfig`` / ``FinetuneConfig`` with ``help`` in its metadata becomes one option
(its flag name, type, choices or parser, default and help all from the field); ``config_from`` turns
the parsed options back into the validated configuration.
"""
from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any, cast

import click

from .config import Word2VecConfig
from .errors import FastW2VError


def with_options(options: list[Callable[..., Any]], fn: Callable[..., Any]) -> Callable[..., Any]:
    """Apply click option decorators so they appear in ``--help`` in list order."""
    for option in reversed(options):
        fn = option(fn)
    return fn


class CleanError(click.ClickException):
    """A bad option value found while parsing: one ``error: ...`` line and exit code 2, like ``clean_errors``."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class ParsedType(click.ParamType):
    """An option value read by one of the library's parsers (``config.parse_keep``, ``Every.parse``...)."""

    def __init__(self, metavar: str, parse: Callable[[str], Any]) -> None:
        self.name = metavar
        self.parse = parse

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return self.name

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return self.parse(value)
        except FastW2VError as exc:
            raise CleanError(str(exc)) from None


def _field_option(f: dataclasses.Field, default: Any, unset_help: str | None = None) -> Callable[..., Any]:
    """The click option a configuration field declares in its metadata (see ``fastw2v.config``).

    ``unset_help``: the option has no default of its own (the value comes from elsewhere when not given).
    """
    meta = f.metadata
    decls = [meta.get("cli", "--" + f.name.replace("_", "-"))]
    kwargs: dict[str, Any] = {"help": meta["help"]}
    if "/" not in decls[0]:  # a flag pair takes its type from the default
        if "choices" in meta:
            kwargs["type"] = click.Choice(meta["choices"])
        elif "parse" in meta:
            kwargs["type"] = ParsedType(meta["metavar"], meta["parse"])
        else:
            kwargs["type"] = {"int": int, "float": float}[str(f.type).split(" ")[0]]
    if unset_help is not None:
        kwargs["help"] = f"{meta['help']} {unset_help}"
        default = None
    kwargs["show_default"] = default is not None
    return click.option(*decls, f.name, default=default, **kwargs)


def options_of(cls: type, defaults: dict[str, Any] | None = None,
               unset: dict[str, str] | None = None) -> list[Callable[..., Any]]:
    """One click option per field of ``cls`` that has help, in field order.

    ``defaults`` override the fields' own defaults; ``unset`` maps fields that get no
    default to the help text saying where their value comes from.
    """
    defaults, unset = defaults or {}, unset or {}
    options = []
    for f in dataclasses.fields(cls):
        if "help" not in f.metadata:
            continue
        if f.name in defaults:
            default = defaults[f.name]
        else:
            # A field without a default has a factory (config._option gives it one or the other).
            factory = cast(Callable[[], Any], f.default_factory)
            default = factory() if f.default is dataclasses.MISSING else f.default
        options.append(_field_option(f, default, unset.get(f.name)))
    return options


#: The Word2VecConfig fields that are command-line options.
CONFIG_KEYS = tuple(f.name for f in dataclasses.fields(Word2VecConfig) if "help" in f.metadata)


def training_options(defaults: dict[str, Any] | None = None,
                     unset: dict[str, str] | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The word2vec settings shared by `train` and `finetune`, from ``Word2VecConfig``'s fields.

    ``defaults`` and ``unset`` as for :func:`options_of` (``finetune`` shows its recipe's defaults).
    """
    return functools.partial(_training_options, options_of(Word2VecConfig, defaults, unset))


def _training_options(options: list[Callable[..., Any]], fn: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        *options,
        click.option("--strict-encoding", is_flag=True,
                     help="Fail on invalid UTF-8 instead of replacing the bytes and counting the lines."),
        click.option("--quiet", "-q", is_flag=True, help="Only warnings and errors; no progress lines."),
    ]
    return with_options(options, fn)


def config_from(options: dict[str, Any], **overrides: Any) -> Word2VecConfig:
    """Build the validated configuration from CLI options."""
    values = {k: options[k] for k in CONFIG_KEYS if k in options}
    values.update(overrides)
    return Word2VecConfig(**values)
