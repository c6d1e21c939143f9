"""The flows: one package each, the only place the app writes."""
