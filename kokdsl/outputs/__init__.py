"""One assessment rendered: its data and view model (assessment.py) as text and
JSON, the findings report (HTML, Markdown, JSON, PDF), the machine-readable
outputs, the Jinja environment and atomic file writes."""
