"""The pure engine: framework model, condition language, scoring and planning.

Nothing here imports Flask, SQLAlchemy, WTForms, Jinja or WeasyPrint (a test enforces it): the engine takes
plain values and returns plain values, so that everything hard is tested fast and in isolation.
"""
