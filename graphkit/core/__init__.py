"""The ground floor: errors, settings, the declarations (schema, mapping), the Graph, problems, dates, atomic files, text and cell helpers. Imports no other graphkit package."""
