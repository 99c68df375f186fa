"""Airflow assets of lake tables: what a step publishes and a cross-sector DAG is scheduled on."""


def asset_uri(layer: str, table: str) -> str:
    """The Airflow asset of a lake table: `lake://<layer>/<table>`."""
    return f"lake://{layer}/{table}"
