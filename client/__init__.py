"""The headless application: store, outbox and replay, transport, returns, scanning,
settings and the ``sesam`` command line. Everything the UI does can be done from here."""
