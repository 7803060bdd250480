"""The Solara UI: explore a scenario, watch the territory, compare policies (docs/ui.md).

It reads the model, its indicators and the experiment runner; it re-implements none of them.
"""
