"""Work off the GUI thread: the runner, the live poller, the thread registry, GUI-thread work in
steps, and the garbage-collector policy the runner's loads and analyses apply."""
