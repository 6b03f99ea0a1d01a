"""Transactional outbox: in-app notifications, e-mail, letters to counterparts."""
