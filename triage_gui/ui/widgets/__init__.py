"""Reusable widgets the wizard's pages compose; one widget per module.

Modules are imported on demand (``from triage_gui.ui.widgets.progress_chart import
ProgressChart``) so that pyqtgraph is only loaded when a chart is built.
"""
