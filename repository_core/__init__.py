"""The domain of oaiserver: records, validation, storage, queries and sets.

This package imports none of the other top-level packages; everything else
(serializers, the DataCite client, the HTTP face) builds on it.
"""
