"""Services write: each one does one thing to the domain, in a transaction, with an audit row."""
