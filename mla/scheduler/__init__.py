"""The reminder dispatcher: one process, a fixed tick, no job state persisted."""
