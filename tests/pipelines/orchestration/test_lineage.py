"""The provider's listener is told to stay quiet about a DAG and its tasks (our steps emit the events)."""

from __future__ import annotations

from pipelines.orchestration.lineage import quiet_provider

FLAG = "_openlineage_emission_policy"  # where the provider's authoring API keeps the choice


def test_quiet_provider_turns_emission_off_for_the_dag_and_every_task() -> None:
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG

    with DAG(dag_id="quiet_probe", schedule=None) as dag:
        EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
    assert dag.params.get(FLAG) is None  # nothing is quiet until asked
    assert quiet_provider(dag) is dag
    assert dag.params.get(FLAG) == {"emit": False}
    assert [t.params.get(FLAG) for t in dag.tasks] == [{"emit": False}, {"emit": False}]
