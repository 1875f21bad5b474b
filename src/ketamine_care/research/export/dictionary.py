"""The data dictionary (`data_dictionary.json` and `data_dictionary.md`) and the README of an
export: every table and column with its type, unit, code system and derivation, and what
de-identification did to the data."""

from __future__ import annotations

import json
from pathlib import Path

from ketamine_care.research.export.columns import Table

CODE_SYSTEMS = {
    "LOINC": "http://loinc.org",
    "UCUM": "http://unitsofmeasure.org",
    "ICD-10-CM": "http://hl7.org/fhir/sid/icd-10-cm",
    "project": "ketamine-care's own codes (values as written in the file)",
}


def code_systems(tables: list[Table]) -> dict[str, str]:
    """The code systems the tables' columns name, with where each is defined."""
    used = {c.code_system for t in tables for c in t.columns}
    return {name: url for name, url in CODE_SYSTEMS.items() if name in used}


def dictionary_json(tables: list[Table], rows: dict[str, int]) -> dict:
    return {
        "code_systems": code_systems(tables),
        "tables": [
            {
                "name": t.name,
                "description": t.description,
                "files": [f"{t.name}.parquet", f"{t.name}.csv"],
                "rows": rows.get(t.name, 0),
                "columns": [c.as_json() for c in t.columns],
            }
            for t in tables
        ],
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def dictionary_markdown(tables: list[Table], rows: dict[str, int]) -> str:
    lines = ["# Data dictionary", ""]
    lines += [f"- **{name}**: {_cell(url)}" for name, url in code_systems(tables).items()]
    for t in tables:
        lines += ["", f"## {t.name}", "", f"{t.description} Rows: {rows.get(t.name, 0)}.", ""]
        lines += ["| column | type | unit | code system | derivation |", "|---|---|---|---|---|"]
        lines += [
            f"| {c.name} | {c.type} | {_cell(c.unit)} | {c.code_system} | {_cell(c.derivation)} |"
            for c in t.columns
        ]
    return "\n".join(lines) + "\n"


def write_dictionary(folder: Path, tables: list[Table], rows: dict[str, int]) -> list[str]:
    (folder / "data_dictionary.json").write_text(
        json.dumps(dictionary_json(tables, rows), indent=2) + "\n", encoding="utf-8"
    )
    (folder / "data_dictionary.md").write_text(dictionary_markdown(tables, rows), encoding="utf-8")
    return ["data_dictionary.json", "data_dictionary.md"]


def _report_lines(report: dict) -> list[str]:
    lines = [
        f"- k-anonymity: every combination of {', '.join(report.get('quasi_identifiers', []))} "
        f"is shared by at least {report.get('k')} patients in `patients`.",
    ]
    for step in report.get("generalised", []):
        lines.append(f"- Generalised: {step}")
    suppressed = report.get("suppressed", 0)
    lines.append(
        f"- Suppressed: {suppressed} patient{'s' if suppressed != 1 else ''} whose combination "
        "stayed rarer than k after generalising; they are in no table."
    )
    return lines


def readme(manifest, tables: list[Table]) -> str:
    rows = manifest.tables
    lines = [
        f"# Research export: {manifest.project_name}",
        "",
        f"Project `{manifest.project}`, exported {manifest.exported_at} by ketamine-care "
        f"{manifest.software_version}. Consent text version required: "
        f"{manifest.consent_text_version or 'any'}.",
        "",
        "## What it holds",
        "",
        "Only patients whose latest research consent is *given* are included. Each table is "
        "written twice, as Parquet and as CSV, with the same rows:",
        "",
    ]
    lines += [f"- `{t.name}` (rows: {rows.get(t.name, 0)}): {t.description}" for t in tables]
    lines += [
        "",
        "`data_dictionary.json` / `data_dictionary.md` describe every column; `manifest.json` "
        "lists every file with its SHA-256 checksum (check with `sha256sum`).",
        "",
        "## De-identification",
        "",
        "- A patient appears only as a random research id, stable within this project.",
        "- No names, record numbers, contact details, free text or database ids are exported.",
        "- Every date is shifted by a secret random offset per patient (the same for all of a "
        "patient's dates): intervals between a patient's dates are true, calendar dates are not.",
        "- Ages are exported only as bands, ages above 89 as 90+ (HIPAA Safe Harbor).",
        *_report_lines(manifest.deidentification),
        "",
    ]
    return "\n".join(lines)


def write_readme(folder: Path, manifest, tables: list[Table]) -> str:
    (folder / "README.md").write_text(readme(manifest, tables), encoding="utf-8")
    return "README.md"
