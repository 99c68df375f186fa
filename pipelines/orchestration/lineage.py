"""Keeping the Airflow OpenLineage provider from emitting a second, empty lineage of our tasks.

The steps emit their own OpenLineage events (`pipelines.lineage`, around `runner.execute`), with
datasets and column lineage from the specs, the same from `lakehouse run` and from Airflow.
The provider's listener would add START/COMPLETE events of its own for every task (a
PythonOperator's callable is opaque to it: no datasets, a different run id) and for every DAG
run, whenever a transport is configured for it. Its authoring API turns that off per DAG,
whatever the deployment's `[openlineage]` configuration says (unless an admin locks it):
see docs/decisions/0008-lineage.md.
"""

from __future__ import annotations

from typing import Any


def quiet_provider(dag: Any) -> Any:
    """Stop the provider's listener emitting events for `dag` and its tasks (no-op without the provider).

    Call it after every task is defined: the provider copies the flag onto the tasks that exist.
    """
    try:
        from airflow.providers.openlineage.api.emission_policy import extend_global_openlineage_emission_policy
    except ImportError:  # the provider is not installed: nothing emits but the steps
        return dag
    return extend_global_openlineage_emission_policy(dag, emit=False)
