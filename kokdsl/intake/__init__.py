"""What applicants and e-services use: the self-report schema, the template,
the form, and the synthetic (fictional) centres."""
