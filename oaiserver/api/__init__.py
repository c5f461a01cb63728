"""The JSON REST API (Invenio's conventions)."""
