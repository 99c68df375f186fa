"""Independent readings of delivered files and lake tables for the integration tests of the
credit, health and enterprise sectors (plain Python: no Spark, no pipeline code)."""
