"""Site analysis: fetch a website safely, extract its text and match it to intent topics."""
