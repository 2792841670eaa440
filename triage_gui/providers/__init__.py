"""Platform APIs, one package each, mapped onto the domain model and nothing more.

- ``batch_v1/``: our Batch Outbound API (``../shared/api-contract.md``, ``batch_v1/openapi.yaml``).
- ``elevenlabs/``: ElevenLabs Agents Platform batch calling (docs/providers/elevenlabs.md).
- ``http/``: what every HTTP provider shares: the abortable transport, one TLS context per
  setting, ``Retry-After`` and backoff, mapping HTTP answers to the typed errors.
- ``errors.py``: the typed errors every provider raises; ``connection.py``: where to connect.
- ``base.py``: the ``Provider`` protocol, the only thing the services know of a platform.

Providers import the domain only (checked by import-linter): never the store, services or UI.
"""
