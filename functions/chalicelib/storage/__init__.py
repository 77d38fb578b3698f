"""Storage: the repository interface (`repository.py`), its in-memory (`memory.py`) and DynamoDB
(`dynamodb.py`) implementations, and the records they store (`records.py`)."""
