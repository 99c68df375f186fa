"""The declarative core: contracts, table specs, the row-rule engine and the runner."""
