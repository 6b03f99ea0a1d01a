"""Scope of instruments as data: ratifications, reservations, bilateral treaties."""
