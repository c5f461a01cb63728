"""``oaiserver records concept-dois --mint [--dry-run]``: DOIs for existing concepts.

Records stored before versions existed each became version 1 of a concept
of their own, and no concept DOI was minted then (a migration never talks
to DataCite). This command gives a DOI to every live concept whose versions
have DOIs of ours (registered here; imported DOIs under another prefix and
harvested records never get one), asked for in the highest state any of
its versions was asked for, and queues it; ``oaiserver doi sync`` (or the
server's worker) sends it. ``--dry-run`` lists what it would do and changes
nothing. Each concept is minted in a transaction of its own: an
interrupted run is simply run again.

Exit codes: 0 done (or nothing to do), 1 minting not configured, or some
concept failed (each named on stderr), 2 a usage error.
"""

from __future__ import annotations

import click

from datacite_client.errors import DataCiteError
from oaiserver.services import Services
from repository_core.errors import RepositoryError

from .context import pass_services

__all__ = ["concept_dois"]


@click.command("concept-dois")
@click.option("--mint", is_flag=True,
              help="Mint and queue a DOI for each concept that has none and whose "
                   "versions have DOIs of ours.")
@click.option("--dry-run", is_flag=True, help="With --mint: list what would be done, change nothing.")
@pass_services
def concept_dois(services: Services, mint: bool, dry_run: bool) -> None:
    """Register concept DOIs (all versions of a record) for existing records."""
    if not mint:
        raise click.UsageError("say --mint (with --dry-run to see what it would do)")
    lifecycle = services.doi.lifecycle
    if lifecycle.policy is None:
        raise click.ClickException("DOI minting is not configured (OAISERVER_DATACITE_URL, "
                                   "_USERNAME, _PASSWORD, _PREFIX)")
    plans = lifecycle.concept_doi_candidates()
    click.echo(f"{len(plans)} concept(s) without a DOI whose versions have DOIs of ours",
               err=True)
    failed = 0
    for n, plan in enumerate(plans, 1):
        versions = ", ".join(plan.versions)
        if dry_run:
            click.echo(f"would mint {plan.doi or '(a random DOI)'} ({plan.state}) for concept "
                       f"{plan.concept_id} (versions {versions})")
            continue
        try:
            done = lifecycle.mint_concept_doi(plan)
        except (DataCiteError, RepositoryError) as exc:
            failed += 1
            click.echo(f"concept {plan.concept_id}: {exc}", err=True)
            continue
        click.echo(f"minted {done.doi} ({done.state}) for concept {plan.concept_id} "
                   f"(versions {versions})")
        click.echo(f"[{n}/{len(plans)}]", err=True)
    if not dry_run and plans:
        click.echo(f"{len(plans) - failed} concept DOI(s) queued; `oaiserver doi sync` "
                   "sends them", err=True)
    if failed:
        raise click.exceptions.Exit(1)
