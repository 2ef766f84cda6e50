"""The application's use cases, typed, called by the desk and by ``sesam`` alike.

One module per family: securing an FSE (:mod:`.securing`), lots and the sender
(:mod:`.lots`), returns and payments (:mod:`.payments`), SCOR (:mod:`.scor`), ADRi
(:mod:`.rights`), and what the queue and dashboard show (:mod:`.views`). A use case takes
the store and :class:`.common.Services` (what it needs of a context, satisfied by
``client.context.AppContext`` and ``client.cli.context.CommandContext``) and returns
dataclasses; the front ends turn those into text. The desk's adapters beside them take the
``AppContext`` and run the same function on its database thread: call those off the GUI
thread, they wait on the database, the cards or the network.
"""
