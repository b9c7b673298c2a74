"""The yearly follow-up: the rerun engine and job, the output folder, what
changed since last year, the summary, the overview page and CSV, waivers."""
