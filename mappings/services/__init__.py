"""Services of the mapping app: matching runs, directory sync, review actions (they write)."""
