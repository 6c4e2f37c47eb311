-- One PostgreSQL server for the stack: Airflow's metadata database and the warehouse.
-- Passwords come from the environment (.env), read by docker/postgres-init.sh.
\set airflow_password `echo "$AIRFLOW_DB_PASSWORD"`
\set warehouse_password `echo "$DTI_WAREHOUSE_PASSWORD"`
create role airflow login password :'airflow_password';
create database airflow owner airflow;
create role dti login password :'warehouse_password';
create database dti owner dti;
