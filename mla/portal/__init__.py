"""The prosecutors' portal: where their requests stand, answers, guided drafts."""
