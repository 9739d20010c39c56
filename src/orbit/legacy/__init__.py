"""G2 legacy materialization endpoints: thin adapters over audiences, runs and exports."""
