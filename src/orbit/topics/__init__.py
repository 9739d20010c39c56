"""Topic discovery: browse, facets, search, trend, compare and movers."""
