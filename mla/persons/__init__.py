"""Persons across requests: the name-token blind index, the person view, links between
requests that name the same person, and competing extradition requests."""
