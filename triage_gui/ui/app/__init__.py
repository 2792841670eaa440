"""Start-up and the window: the application object, the typed context, which connection to
open, the main window (staged: the first frame, then the rest)."""
