"""Talking to DataCite: the REST client, the DOI life cycle, the outbox worker.

- ``client``: ``DataCiteClient`` (REST ``/dois``, typed errors, retries)
- ``errors``: the ``DataCiteError`` tree and the ``DOIError`` domain errors
- ``retry``: ``RetryPolicy`` (exponential backoff, full jitter, Retry-After)
- ``doi_policy``: ``DOIPolicy`` (prefix + ``{id}`` pattern or checked random suffix)
- ``lifecycle``: ``DOILifecycle`` (decide, check, store, queue; auto-mint hook)
- ``worker``: ``OutboxWorker`` and ``WorkerThread`` (send the outbox reliably)

The outbox tables and the write hook that fills them live in
``repository_core.outbox`` (the domain must not import this package).
"""
