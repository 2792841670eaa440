"""Targeted retries in the wizard: the cohort the agent edits, the session that launches and
watches them, the confirmation dialog, and the first-dispatches monitor panel (page 4 composes
them)."""
