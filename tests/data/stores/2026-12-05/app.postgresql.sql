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

CREATE TABLE public.flowbot_approvals (
    repository character varying(200) NOT NULL,
    number integer NOT NULL,
    approved_by character varying(100) NOT NULL,
    approved_at timestamp with time zone NOT NULL
);

CREATE TABLE public.flowbot_deliveries (
    id character varying(64) NOT NULL,
    event character varying(64) NOT NULL,
    action character varying(64),
    installation_id integer,
    repository character varying(200),
    received_at timestamp with time zone NOT NULL,
    payload json NOT NULL,
    decision text NOT NULL
);

CREATE TABLE public.flowbot_installed_repositories (
    repository character varying(200) NOT NULL,
    installation_id integer NOT NULL,
    active boolean NOT NULL,
    updated_at timestamp with time zone NOT NULL
);

CREATE TABLE public.flowbot_jobs (
    id integer NOT NULL,
    kind character varying(20) NOT NULL,
    repository character varying(200) NOT NULL,
    number integer NOT NULL,
    trigger character varying(200) NOT NULL,
    sender character varying(100) NOT NULL,
    installation_id integer,
    request json NOT NULL,
    state character varying(20) NOT NULL,
    attempts integer NOT NULL,
    error text,
    delivery_id character varying(64),
    work json,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);

CREATE SEQUENCE public.flowbot_jobs_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.flowbot_jobs_id_seq OWNED BY public.flowbot_jobs.id;

CREATE TABLE public.flowbot_leases (
    key character varying(300) NOT NULL,
    owner character varying(200) NOT NULL,
    expires_at timestamp with time zone NOT NULL
);

ALTER TABLE ONLY public.flowbot_jobs ALTER COLUMN id SET DEFAULT nextval('public.flowbot_jobs_id_seq'::regclass);

INSERT INTO public.flowbot_approvals VALUES ('repository-1', 1001, 'approved_by-1', '2026-11-20 10:01:00+00');
INSERT INTO public.flowbot_approvals VALUES ('repository-2', 1002, 'approved_by-2', '2026-11-20 10:02:00+00');

INSERT INTO public.flowbot_deliveries VALUES ('id-1', 'event-1', 'action-1', 1001, 'repository-1', '2026-11-20 10:01:00+00', '{"column": "payload", "row": 1}', 'decision-1');
INSERT INTO public.flowbot_deliveries VALUES ('id-2', 'event-2', 'action-2', 1002, 'repository-2', '2026-11-20 10:02:00+00', '{"column": "payload", "row": 2}', 'decision-2');

INSERT INTO public.flowbot_installed_repositories VALUES ('repository-1', 1001, true, '2026-11-20 10:01:00+00');
INSERT INTO public.flowbot_installed_repositories VALUES ('repository-2', 1002, false, '2026-11-20 10:02:00+00');

INSERT INTO public.flowbot_jobs VALUES (1, 'kind-1', 'repository-1', 1001, 'trigger-1', 'sender-1', 1001, '{"column": "request", "row": 1}', 'state-1', 1001, 'error-1', 'delivery_id-1', '{"column": "work", "row": 1}', '2026-11-20 10:01:00+00', '2026-11-20 10:01:00+00');
INSERT INTO public.flowbot_jobs VALUES (2, 'kind-2', 'repository-2', 1002, 'trigger-2', 'sender-2', 1002, '{"column": "request", "row": 2}', 'state-2', 1002, 'error-2', 'delivery_id-2', '{"column": "work", "row": 2}', '2026-11-20 10:02:00+00', '2026-11-20 10:02:00+00');

INSERT INTO public.flowbot_leases VALUES ('key-1', 'owner-1', '2026-11-20 10:01:00+00');
INSERT INTO public.flowbot_leases VALUES ('key-2', 'owner-2', '2026-11-20 10:02:00+00');

SELECT pg_catalog.setval('public.flowbot_jobs_id_seq', 2, true);

ALTER TABLE ONLY public.flowbot_approvals
    ADD CONSTRAINT flowbot_approvals_pkey PRIMARY KEY (repository, number);

ALTER TABLE ONLY public.flowbot_deliveries
    ADD CONSTRAINT flowbot_deliveries_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.flowbot_installed_repositories
    ADD CONSTRAINT flowbot_installed_repositories_pkey PRIMARY KEY (repository);

ALTER TABLE ONLY public.flowbot_jobs
    ADD CONSTRAINT flowbot_jobs_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.flowbot_jobs
    ADD CONSTRAINT flowbot_jobs_trigger_key UNIQUE (trigger);

ALTER TABLE ONLY public.flowbot_leases
    ADD CONSTRAINT flowbot_leases_pkey PRIMARY KEY (key);

CREATE INDEX ix_flowbot_installed_repositories_installation_id ON public.flowbot_installed_repositories USING btree (installation_id);

CREATE INDEX ix_flowbot_jobs_repository ON public.flowbot_jobs USING btree (repository);
