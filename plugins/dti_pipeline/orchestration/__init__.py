"""DAG factories and task policies; the files in dags/ only call these."""
