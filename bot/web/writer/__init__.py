"""The delivery writer: a process of its own that stores the web app's deliveries in batches."""
