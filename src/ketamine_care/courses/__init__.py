"""Course review: the course state from a patient's measures and sessions, the maintenance
recommendation that follows from it, and the prescriber's decisions on it."""
