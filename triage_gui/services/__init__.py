"""What the two faces (the wizard and the command line) both do, once, without Qt.

- ``incident_loading``: everything the engine needs for one incident, fetched through a provider.
- ``retry_launch``: the one retry orchestration: plan, persist the intent, launch, resume, monitor.
- ``bundle_assembly``: the diagnostics bundle from a loaded incident and its report.

Services may import the domain, the providers and the store; never Qt (checked by import-linter).
"""
