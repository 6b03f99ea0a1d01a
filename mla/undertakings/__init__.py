"""Conditions and assurances as records: speciality, use limitations, assurances, aut dedere."""
