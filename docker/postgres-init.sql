-- One PostgreSQL server for the stack: Airflow's metadata database and the warehouse.
-- Passwords come from the environment (.env), read by docker/postgres-init.sh.
\set airflow_password `echo "$AIRFLOW_DB_PASSWORD"`
\set warehouse_password `echo "$DTI_WAREHOUSE_PASSWORD"`
create role airflow login password :'airflow_password';
create database airflow owner airflow;
-- the warehouse owner creates the pipeline's loader, transformer and BI reader roles
create role dti login createrole password :'warehouse_password';
create database dti owner dti;
