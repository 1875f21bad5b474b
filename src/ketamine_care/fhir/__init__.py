"""FHIR R4 (R4B models) read and search at /fhir/R4: resources are registered in `registry`."""
