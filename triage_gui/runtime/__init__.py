"""Process-wide runtime policies every layer may use: pure Python, no Qt, no I/O."""
