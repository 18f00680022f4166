"""Tools for people who read models: summary, diff, graph, cost, importers."""
