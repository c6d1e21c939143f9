"""The webhook path: receiving, bounding and answering GitHub's deliveries."""
