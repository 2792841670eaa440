"""ElevenLabs Agents Platform batch calling (docs/providers/elevenlabs.md).

- ``client.py``: the HTTP client (on ``providers/http``), ``error_bodies.py``: ElevenLabs' errors;
- ``wire.py``: its answers as lenient models; ``regions.py``: base URLs by region;
- ``outcomes.py``, ``attempts.py``, ``conversations.py``, ``mapping.py``: recipients and their
  conversations as the domain's attempts and job;
- ``incident.py``: ``fetch_incident``; ``retry_batches.py``: the targeted retry as a new batch;
- ``provider.py``: the ``Provider``.
"""
