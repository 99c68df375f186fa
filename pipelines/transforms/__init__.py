"""Pure `DataFrame -> DataFrame` transforms and column expressions shared by the sectors."""
