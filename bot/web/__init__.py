"""The webhook path: receiving, checking, routing and storing GitHub's deliveries."""
