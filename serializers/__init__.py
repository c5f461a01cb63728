"""Serializers: pure functions from a record to bytes, one module a format.

They never touch the database or HTTP. ``serializers.registry`` names each
format once (media types, OAI metadataPrefix, schema, namespace, file
extension); everything that exports a record reads that registry.
"""
