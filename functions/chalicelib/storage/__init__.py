"""Storage: the repository interface (`repository.py`), its in-memory (`memory.py`) and DynamoDB
(`dynamodb.py`) implementations, and the records they store (`records.py`); staff grants
(`staff.py`) and the audit log (`audit.py`), each with both implementations in one module."""
