"""The ``oaiserver`` command line: one module per command group.

Conventions: ``--help`` everywhere, ``-`` for standard input, errors on
standard error with the file (and line) they concern, exit code 0 on
success, 1 when some input failed, 2 for usage errors (click's own).
Commands reach the application's parts through ``context.pass_services``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from .concept_dois import concept_dois
from .db import db
from .doi import doi
from .export import export
from .harvest import harvest
from .load import load
from .records import records
from .search import search
from .serve import demo, serve
from .sets import sets
from .stats import stats

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="oaiserver")
def cli() -> None:
    """Metadata server for research repositories: DataCite, OAI-PMH, DOIs.

    Configuration comes from OAISERVER_* environment variables and the TOML
    file named by OAISERVER_CONFIG.
    """


for command in (db, load, serve, demo, records, export, doi, sets, search, stats, harvest):
    cli.add_command(command)
records.add_command(concept_dois)  # ``records concept-dois``


def main(argv: Sequence[str] | None = None, obj: Any = None) -> Any:
    return cli.main(args=argv, obj=obj, prog_name="oaiserver")
