"""``protsweep --cfg job`` (and ``--cfg all``/``hydra``, ``--info``) composes and prints the config without
running a job or a callback; this module makes the launch's config checks
(:func:`protsweep.launch.values.check_composed`) first, so a mistake fails there in one line too."""

from __future__ import annotations

from collections.abc import Sequence

from hydra import compose, initialize_config_dir
from hydra._internal.utils import get_args_parser
from hydra.core.override_parser.overrides_parser import OverridesParser

from protsweep.launch.values import check_composed
from protsweep.schema import config_dir

SCHEMA_SUFFIX = "_schema"  # ConfigStore names of the project's schemas (protsweep.schema.register_schemas)
#: Hydra's own exceptions when composing: it reports those itself, in its own words, when it composes next.
_HYDRA_REPORTS = Exception


def asks_for_help(argv: Sequence[str]) -> bool:
    args, _ = get_args_parser().parse_known_args(list(argv))
    return bool(args.help)


def without_schemas(help_text: str) -> str:
    """Hydra's ``--help`` less the schema entries the project registers in each group (``bce_schema``...): a
    ``group: a, b, c`` line keeps only the options a user can choose."""
    lines = []
    for line in help_text.splitlines():
        group, sep, options = line.partition(": ")
        if sep and group and " " not in group and options:
            kept = [o for o in options.split(", ") if not o.endswith(SCHEMA_SUFFIX)]
            line = f"{group}: {', '.join(kept)}"
        lines.append(line)
    return "\n".join(lines) + ("\n" if help_text.endswith("\n") else "")


def printing_only(argv: Sequence[str]) -> bool:
    args, _ = get_args_parser().parse_known_args(list(argv))
    return bool(args.cfg or args.info)


def check_printed_config(argv: Sequence[str]) -> None:
    """Raise :class:`protsweep.errors.ConfigError` when the config ``argv`` would print fails the checks."""
    args, _ = get_args_parser().parse_known_args(list(argv))
    try:
        parsed = OverridesParser.create().parse_overrides(list(args.overrides))
        overrides = [o.input_line or "" for o in parsed if not o.is_sweep_override()]
        if args.config_dir:
            overrides.append(f"hydra.searchpath=[file://{args.config_dir}]")
        with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
            cfg = compose(args.config_name or "config", overrides=overrides)
    except _HYDRA_REPORTS:
        return
    check_composed(cfg)
