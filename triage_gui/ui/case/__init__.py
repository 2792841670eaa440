"""The open case: its controller (fetch, analyse, watch), autosave, and its retry session."""
