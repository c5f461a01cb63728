"""Harvesting other OAI-PMH providers in: sources, mapping, runs, provenance.

* :mod:`.tables` the sources, the provenance of each harvested record, refusals
* :mod:`.mapping` an OAI payload (datacite, oai_datacite, oai_dc) -> DataCite metadata
* :mod:`.sources` adding, listing, removing sources; status; provenance reads
* :mod:`.harvester` a run: sickle, one transaction a page, resumable
* :mod:`.worker` the thread of ``serve`` that harvests every source on a schedule

Harvested records are not ours: ``Record.harvested`` (the ``records.harvest_source``
column) says so, and no DOI is minted for them.
"""
