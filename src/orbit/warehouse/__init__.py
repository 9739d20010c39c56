"""The only package that writes warehouse SQL: schema steps, statements and the backends."""
