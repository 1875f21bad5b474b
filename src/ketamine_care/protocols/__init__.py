"""Treatment protocols as versioned data: the Pydantic schema (`definition.py`) and the
shipped library of JSON definitions (`library/`), loaded with `library.load_definition`."""
