-- Tables the pipeline owns outside dbt. Idempotent: run before every load and publication.

create schema if not exists raw;
comment on schema raw is 'Raw extracts as received from the source systems (jsonb payload plus lineage), one table per source entity.';

create table if not exists raw.bootstrap_version (
    version     text        not null,
    applied_at  timestamptz not null default now()
);
comment on table raw.bootstrap_version is 'Which version of the pipeline''s own DDL this warehouse has (it runs once per version).';

create table if not exists raw.load_ledger (
    load_id             bigserial primary key,
    source              text        not null,
    entity              text        not null,
    interval_start      timestamptz not null,
    interval_end        timestamptz not null,
    load_mode           text        not null check (load_mode in ('incremental', 'snapshot')),
    status              text        not null check (status in ('running', 'current', 'replaced', 'failed', 'abandoned')),
    run_id              text,
    started_at          timestamptz not null default now(),
    finished_at         timestamptz,
    rows_loaded         integer,
    rows_quarantined    integer,
    duplicates_skipped  integer,
    pages               integer,
    retries             integer,
    source_total        integer,
    message             text,
    backend_pid         integer     not null default pg_backend_pid()
);
comment on table raw.load_ledger is 'One row per load of one source entity for one data interval. A load becomes current only when its transaction commits; a rerun of the interval replaces it.';
create index if not exists load_ledger_interval on raw.load_ledger (source, entity, interval_start, interval_end);
create unique index if not exists load_ledger_one_current
    on raw.load_ledger (source, entity, interval_start, interval_end) where status = 'current';

create table if not exists raw.quarantine (
    load_id         bigint      not null references raw.load_ledger (load_id) on delete cascade,
    source          text        not null,
    entity          text        not null,
    record_key      text,
    reason          text        not null,
    raw_text        text        not null,
    quarantined_at  timestamptz not null default now()
);
comment on table raw.quarantine is 'Records that broke their source''s contract, with the reason and the text as received.';
create index if not exists quarantine_load on raw.quarantine (load_id);

create schema if not exists dti_publish;
comment on schema dti_publish is 'Every published version of every month of the mart; BI reads dti_mart, never this schema.';

create table if not exists dti_publish.publication (
    publication_id       bigserial primary key,
    month                date        not null,
    status               text        not null check (status in ('current', 'superseded')),
    published_at         timestamptz not null default now(),
    superseded_at        timestamptz,
    run_id               text,
    methodology_version  text        not null,
    content_hash         text        not null,
    row_counts           jsonb       not null
);
create unique index if not exists publication_one_current on dti_publish.publication (month) where status = 'current';

create schema if not exists dti_mart;
comment on schema dti_mart is 'The published DTI mart for BI tools: only whole, published months.';

-- Added with the five sources: schema drift and request figures per load.
alter table raw.load_ledger add column if not exists new_fields text[];
alter table raw.load_ledger add column if not exists requests integer;

-- Added with the monthly refresh: what the gates found, and the definitions of the mart's
-- views (the publish step replaces a view only when its definition changed, so that readers
-- are not locked out at every publication).
alter table dti_publish.publication add column if not exists checks jsonb;
create table if not exists dti_publish.view_definition (
    view_name   text primary key,
    sql_md5     text        not null,
    defined_at  timestamptz not null default now()
);

-- Added with windows on the creation time (dti_pipeline/needs.py): what a load's interval
-- filters. `created`: records created in the interval; `snapshot`: a full list taken after
-- it; `export`: a month's export file; `changed`: records whose last change fell in the
-- interval (loads of earlier versions; no month relies on them any more).
alter table raw.load_ledger add column if not exists window_kind text;
update raw.load_ledger
   set window_kind = case when load_mode = 'snapshot' then 'snapshot' else 'changed' end
 where window_kind is null;
alter table raw.load_ledger alter column window_kind set not null;
do $$ begin
    alter table raw.load_ledger add constraint load_ledger_window_kind
        check (window_kind in ('created', 'snapshot', 'export', 'changed'));
exception when duplicate_object then null;
end $$;
comment on column raw.load_ledger.window_kind is 'What the interval filters: created (records created in it), snapshot (a full list taken after it), export (the month''s export file), changed (last change in it; earlier versions).';
comment on column raw.load_ledger.started_at is 'When the load started: its records are in their state at this time or later, so it serves a month only when it started after that month ended.';
drop index if exists raw.load_ledger_one_current;
create unique index if not exists load_ledger_one_current_window
    on raw.load_ledger (source, entity, window_kind, interval_start, interval_end) where status = 'current';
