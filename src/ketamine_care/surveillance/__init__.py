"""Long-term surveillance of patients on repeated dosing: the schedules in the protocol data,
what is due (`schedule.py`) and cumulative exposure (`exposure.py`), both pure."""
