"""Pages for people: the analyst report and the interactive network views."""
