"""Everything that turns results into something people read or files: terminal
text, findings reports, the book, the Jinja environment and atomic file writes."""
