"""Apps beside `demo` add demo data through `core.demo_loaders`: every registered loader runs
with the clinic, by name, and its summary joins the demo's."""

from __future__ import annotations

from ketamine_care.core import demo_loaders


def test_registered_loaders_run_by_name_and_their_summaries_merge(monkeypatch):
    monkeypatch.setattr(demo_loaders, "_LOADERS", {})
    calls = []
    demo_loaders.register_demo_loader("b", lambda clinic: calls.append("b") or {"b": clinic})
    demo_loaders.register_demo_loader("a", lambda clinic: calls.append("a") or {"a": clinic})
    assert demo_loaders.run_demo_loaders("clinic") == {"a": "clinic", "b": "clinic"}
    assert calls == ["a", "b"]


def test_the_research_app_registers_its_demo_project():
    assert "research_project" in demo_loaders._LOADERS
