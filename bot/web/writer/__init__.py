"""The delivery writer: one process storing every web worker's deliveries in the database."""
