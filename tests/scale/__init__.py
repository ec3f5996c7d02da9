"""Scale-out tests: several uvicorn workers on PostgreSQL with Redis, started by the tests themselves."""
