"""The browser app at /app: static files shipped in the package, calling the JSON API. No API logic."""
