"""Deadlines: rules as data, clocks on cases, reminders and escalations."""
