SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

CREATE TABLE public.flowbot_audit (
    id integer NOT NULL,
    run_id character varying(40) NOT NULL,
    flow character varying(120) NOT NULL,
    version character varying(64) NOT NULL,
    packet_key character varying(255) NOT NULL,
    source_ref character varying(255) NOT NULL,
    target_ref character varying(255),
    outcome character varying(20) NOT NULL,
    detail text,
    at timestamp with time zone NOT NULL
);

CREATE SEQUENCE public.flowbot_audit_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.flowbot_audit_id_seq OWNED BY public.flowbot_audit.id;

CREATE TABLE public.flowbot_cursors (
    flow character varying(120) NOT NULL,
    value json NOT NULL,
    updated_at timestamp with time zone NOT NULL
);

CREATE TABLE public.flowbot_deployments (
    commit character varying(64) NOT NULL,
    state character varying(20) NOT NULL,
    findings text NOT NULL,
    checked_at timestamp with time zone NOT NULL
);

CREATE TABLE public.flowbot_failure_issues (
    flow character varying(120) NOT NULL,
    signature character varying(64) NOT NULL,
    issue_number integer NOT NULL,
    issue_url character varying(500) NOT NULL,
    occurrences integer NOT NULL,
    comment_id bigint,
    filed_at timestamp with time zone NOT NULL
);

CREATE TABLE public.flowbot_failures (
    id integer NOT NULL,
    flow character varying(120) NOT NULL,
    version character varying(64) NOT NULL,
    run_id character varying(40) NOT NULL,
    packet_key character varying(255) NOT NULL,
    identity character varying(300) NOT NULL,
    unit character varying(120) NOT NULL,
    error_type character varying(120) NOT NULL,
    message text NOT NULL,
    traceback text NOT NULL,
    packet json NOT NULL,
    unit_input json NOT NULL,
    state character varying(20) NOT NULL,
    issue_url character varying(500),
    created_at timestamp with time zone NOT NULL
);

CREATE SEQUENCE public.flowbot_failures_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.flowbot_failures_id_seq OWNED BY public.flowbot_failures.id;

CREATE TABLE public.flowbot_leases (
    flow character varying(120) NOT NULL,
    owner character varying(120) NOT NULL,
    expires_at timestamp with time zone NOT NULL
);

CREATE TABLE public.flowbot_ledger (
    id integer NOT NULL,
    flow character varying(120) NOT NULL,
    identity character varying(300) NOT NULL,
    packet_key character varying(255) NOT NULL,
    state character varying(20) NOT NULL,
    run_id character varying(40) NOT NULL,
    target_ref character varying(255),
    updated_at timestamp with time zone NOT NULL
);

CREATE SEQUENCE public.flowbot_ledger_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.flowbot_ledger_id_seq OWNED BY public.flowbot_ledger.id;

CREATE TABLE public.flowbot_runs (
    id character varying(40) NOT NULL,
    flow character varying(120) NOT NULL,
    version character varying(64) NOT NULL,
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone,
    status character varying(20) NOT NULL,
    counts json NOT NULL
);

ALTER TABLE ONLY public.flowbot_audit ALTER COLUMN id SET DEFAULT nextval('public.flowbot_audit_id_seq'::regclass);

ALTER TABLE ONLY public.flowbot_failures ALTER COLUMN id SET DEFAULT nextval('public.flowbot_failures_id_seq'::regclass);

ALTER TABLE ONLY public.flowbot_ledger ALTER COLUMN id SET DEFAULT nextval('public.flowbot_ledger_id_seq'::regclass);

INSERT INTO public.flowbot_audit VALUES (1, 'id-1', 'flow-1', 'version-1', 'packet_key-1', 'source_ref-1', 'target_ref-1', 'outcome-1', 'detail-1', '2026-11-20 10:01:00+00');
INSERT INTO public.flowbot_audit VALUES (2, 'id-2', 'flow-2', 'version-2', 'packet_key-2', 'source_ref-2', 'target_ref-2', 'outcome-2', 'detail-2', '2026-11-20 10:02:00+00');

INSERT INTO public.flowbot_cursors VALUES ('flow-1', '{"column": "value", "row": 1}', '2026-11-20 10:01:00+00');
INSERT INTO public.flowbot_cursors VALUES ('flow-2', '{"column": "value", "row": 2}', '2026-11-20 10:02:00+00');

INSERT INTO public.flowbot_deployments VALUES ('commit-1', 'state-1', 'findings-1', '2026-11-20 10:01:00+00');
INSERT INTO public.flowbot_deployments VALUES ('commit-2', 'state-2', 'findings-2', '2026-11-20 10:02:00+00');

INSERT INTO public.flowbot_failure_issues VALUES ('flow-1', 'signature-1', 1001, 'issue_url-1', 1001, 1001, '2026-11-20 10:01:00+00');
INSERT INTO public.flowbot_failure_issues VALUES ('flow-2', 'signature-2', 1002, 'issue_url-2', 1002, 1002, '2026-11-20 10:02:00+00');

INSERT INTO public.flowbot_failures VALUES (1, 'flow-1', 'version-1', 'run_id-1', 'packet_key-1', 'identity-1', 'unit-1', 'error_type-1', 'message-1', 'traceback-1', '{"column": "packet", "row": 1}', '{"column": "unit_input", "row": 1}', 'state-1', 'issue_url-1', '2026-11-20 10:01:00+00');
INSERT INTO public.flowbot_failures VALUES (2, 'flow-2', 'version-2', 'run_id-2', 'packet_key-2', 'identity-2', 'unit-2', 'error_type-2', 'message-2', 'traceback-2', '{"column": "packet", "row": 2}', '{"column": "unit_input", "row": 2}', 'state-2', 'issue_url-2', '2026-11-20 10:02:00+00');

INSERT INTO public.flowbot_leases VALUES ('flow-1', 'owner-1', '2026-11-20 10:01:00+00');
INSERT INTO public.flowbot_leases VALUES ('flow-2', 'owner-2', '2026-11-20 10:02:00+00');

INSERT INTO public.flowbot_ledger VALUES (1, 'flow-1', 'identity-1', 'packet_key-1', 'state-1', 'run_id-1', 'target_ref-1', '2026-11-20 10:01:00+00');
INSERT INTO public.flowbot_ledger VALUES (2, 'flow-2', 'identity-2', 'packet_key-2', 'state-2', 'run_id-2', 'target_ref-2', '2026-11-20 10:02:00+00');

INSERT INTO public.flowbot_runs VALUES ('id-1', 'flow-1', 'version-1', '2026-11-20 10:01:00+00', '2026-11-20 10:01:00+00', 'status-1', '{"column": "counts", "row": 1}');
INSERT INTO public.flowbot_runs VALUES ('id-2', 'flow-2', 'version-2', '2026-11-20 10:02:00+00', '2026-11-20 10:02:00+00', 'status-2', '{"column": "counts", "row": 2}');

SELECT pg_catalog.setval('public.flowbot_audit_id_seq', 2, true);

SELECT pg_catalog.setval('public.flowbot_failures_id_seq', 2, true);

SELECT pg_catalog.setval('public.flowbot_ledger_id_seq', 2, true);

ALTER TABLE ONLY public.flowbot_audit
    ADD CONSTRAINT flowbot_audit_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.flowbot_cursors
    ADD CONSTRAINT flowbot_cursors_pkey PRIMARY KEY (flow);

ALTER TABLE ONLY public.flowbot_deployments
    ADD CONSTRAINT flowbot_deployments_pkey PRIMARY KEY (commit);

ALTER TABLE ONLY public.flowbot_failure_issues
    ADD CONSTRAINT flowbot_failure_issues_pkey PRIMARY KEY (flow, signature);

ALTER TABLE ONLY public.flowbot_failures
    ADD CONSTRAINT flowbot_failures_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.flowbot_leases
    ADD CONSTRAINT flowbot_leases_pkey PRIMARY KEY (flow);

ALTER TABLE ONLY public.flowbot_ledger
    ADD CONSTRAINT flowbot_ledger_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.flowbot_runs
    ADD CONSTRAINT flowbot_runs_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.flowbot_ledger
    ADD CONSTRAINT uq_flowbot_ledger_packet UNIQUE (flow, identity);

CREATE INDEX ix_flowbot_audit_run_id ON public.flowbot_audit USING btree (run_id);

CREATE INDEX ix_flowbot_failures_flow ON public.flowbot_failures USING btree (flow);

CREATE INDEX ix_flowbot_runs_flow ON public.flowbot_runs USING btree (flow);

ALTER TABLE ONLY public.flowbot_audit
    ADD CONSTRAINT flowbot_audit_run_id_fkey FOREIGN KEY (run_id) REFERENCES public.flowbot_runs(id);
