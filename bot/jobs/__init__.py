"""The jobs: the queue, the reconciler, one module per job kind and the context they share."""
