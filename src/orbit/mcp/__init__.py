"""`orbit mcp`: a Model Context Protocol server whose tools call the Orbit API through the SDK."""
