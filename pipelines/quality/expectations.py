"""Domain expectations for Great Expectations: usable on any column by name.

    expect_column_values_to_be_valid_uscc          GB 32100 check character
    expect_column_values_to_be_valid_id_no         GB 11643: check character, real birth date
    expect_column_values_to_be_jiangsu_division    GB/T 2260 code of Jiangsu
    expect_column_values_to_be_icd10_code          ICD-10 code format (A00, J10.1, …)
    expect_column_values_to_be_plate_number        Chinese plate: province character, city letter, 5-6 characters

The Spark conditions are the same expressions the row-rule engine and the single-pass
gate use (`pipelines.transforms.identifiers`); the pandas conditions use the plain-Python
oracle (`pipelines.ids`). Importing this module registers them with GX.
"""

from __future__ import annotations

import re

from great_expectations.execution_engine import PandasExecutionEngine, SparkDFExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    column_condition_partial,
)

from pipelines import ids
from pipelines.ids import ICD10_PATTERN, PLATE_PATTERN


def _spark_checks():  # noqa: ANN202 - imported lazily: pyspark only when the Spark engine runs
    from pipelines.transforms import identifiers

    return identifiers


class ColumnValuesValidUscc(ColumnMapMetricProvider):
    """Metric: the value is a USCC with a correct check character."""

    condition_metric_name = "column_values.valid_uscc"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):  # noqa: N805
        return column.map(lambda v: ids.is_valid_uscc(str(v)))

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column, **kwargs):  # noqa: N805
        return _spark_checks().is_valid_uscc(column)


class ColumnValuesValidIdNo(ColumnMapMetricProvider):
    """Metric: the value is a resident identity number with a real birth date and check character."""

    condition_metric_name = "column_values.valid_id_no"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):  # noqa: N805
        return column.map(lambda v: ids.is_valid_id_no(str(v)))

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column, **kwargs):  # noqa: N805
        return _spark_checks().is_valid_id_no(column)


class ColumnValuesJiangsuDivision(ColumnMapMetricProvider):
    """Metric: the value is a Jiangsu division code."""

    condition_metric_name = "column_values.jiangsu_division"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):  # noqa: N805
        return column.isin(list(ids.jiangsu_divisions()))

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column, **kwargs):  # noqa: N805
        return _spark_checks().is_jiangsu_division(column)


class ColumnValuesIcd10Code(ColumnMapMetricProvider):
    """Metric: the value has the ICD-10 code format."""

    condition_metric_name = "column_values.icd10_code"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):  # noqa: N805
        return column.map(lambda v: re.match(ICD10_PATTERN, str(v)) is not None)

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column, **kwargs):  # noqa: N805
        return column.rlike(ICD10_PATTERN)


class ColumnValuesPlateNumber(ColumnMapMetricProvider):
    """Metric: the value looks like a Chinese plate number."""

    condition_metric_name = "column_values.plate_number"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):  # noqa: N805
        return column.map(lambda v: re.match(PLATE_PATTERN, str(v)) is not None)

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column, **kwargs):  # noqa: N805
        return column.rlike(PLATE_PATTERN)


class ExpectColumnValuesToBeValidUscc(ColumnMapExpectation):
    """Expect column values to be Unified Social Credit Codes with a correct check character."""

    map_metric = "column_values.valid_uscc"
    success_keys = ("mostly",)


class ExpectColumnValuesToBeValidIdNo(ColumnMapExpectation):
    """Expect column values to be valid resident identity numbers (GB 11643)."""

    map_metric = "column_values.valid_id_no"
    success_keys = ("mostly",)


class ExpectColumnValuesToBeJiangsuDivision(ColumnMapExpectation):
    """Expect column values to be Jiangsu administrative division codes (GB/T 2260)."""

    map_metric = "column_values.jiangsu_division"
    success_keys = ("mostly",)


class ExpectColumnValuesToBeIcd10Code(ColumnMapExpectation):
    """Expect column values to have the ICD-10 code format."""

    map_metric = "column_values.icd10_code"
    success_keys = ("mostly",)


class ExpectColumnValuesToBePlateNumber(ColumnMapExpectation):
    """Expect column values to look like Chinese plate numbers."""

    map_metric = "column_values.plate_number"
    success_keys = ("mostly",)
