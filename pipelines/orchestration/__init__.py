"""Airflow integration: the DAG factory and the task callables (heavy imports inside them)."""
