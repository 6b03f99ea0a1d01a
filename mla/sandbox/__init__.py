"""Training sandbox: fictional cases, a clock the trainer controls, a simulated counterpart."""
