"""Patient records: register, find, edit without losing data, history, export, import and erasure."""
