"""A small document store: encrypted files attached to a request, access-checked."""
