"""Dose calculation (`calculator.py`, `weights.py`) and course planning (`planning.py`);
pure Python, no Django. Command-line entry points live in `cli.py`."""
