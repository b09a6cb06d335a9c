"""wing.cloud as one real process: Starlette on uvicorn, every service, SQLite (WAL) tables and a durable bus."""
