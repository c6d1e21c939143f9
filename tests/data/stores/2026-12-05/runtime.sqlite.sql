BEGIN TRANSACTION;
CREATE TABLE flowbot_audit (
	id INTEGER NOT NULL, 
	run_id VARCHAR(40) NOT NULL, 
	flow VARCHAR(120) NOT NULL, 
	version VARCHAR(64) NOT NULL, 
	packet_key VARCHAR(255) NOT NULL, 
	source_ref VARCHAR(255) NOT NULL, 
	target_ref VARCHAR(255), 
	outcome VARCHAR(20) NOT NULL, 
	detail TEXT, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(run_id) REFERENCES flowbot_runs (id)
);
INSERT INTO "flowbot_audit" VALUES(1,'id-1','flow-1','version-1','packet_key-1','source_ref-1','target_ref-1','outcome-1','detail-1','2026-11-20 10:01:00.000000');
INSERT INTO "flowbot_audit" VALUES(2,'id-2','flow-2','version-2','packet_key-2','source_ref-2','target_ref-2','outcome-2','detail-2','2026-11-20 10:02:00.000000');
CREATE TABLE flowbot_cursors (
	flow VARCHAR(120) NOT NULL, 
	value JSON NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (flow)
);
INSERT INTO "flowbot_cursors" VALUES('flow-1','{"column": "value", "row": 1}','2026-11-20 10:01:00.000000');
INSERT INTO "flowbot_cursors" VALUES('flow-2','{"column": "value", "row": 2}','2026-11-20 10:02:00.000000');
CREATE TABLE flowbot_deployments (
	"commit" VARCHAR(64) NOT NULL, 
	state VARCHAR(20) NOT NULL, 
	findings TEXT NOT NULL, 
	checked_at DATETIME NOT NULL, 
	PRIMARY KEY ("commit")
);
INSERT INTO "flowbot_deployments" VALUES('commit-1','state-1','findings-1','2026-11-20 10:01:00.000000');
INSERT INTO "flowbot_deployments" VALUES('commit-2','state-2','findings-2','2026-11-20 10:02:00.000000');
CREATE TABLE flowbot_failure_issues (
	flow VARCHAR(120) NOT NULL, 
	signature VARCHAR(64) NOT NULL, 
	issue_number INTEGER NOT NULL, 
	issue_url VARCHAR(500) NOT NULL, 
	occurrences INTEGER NOT NULL, 
	comment_id BIGINT, 
	filed_at DATETIME NOT NULL, 
	PRIMARY KEY (flow, signature)
);
INSERT INTO "flowbot_failure_issues" VALUES('flow-1','signature-1',1001,'issue_url-1',1001,1001,'2026-11-20 10:01:00.000000');
INSERT INTO "flowbot_failure_issues" VALUES('flow-2','signature-2',1002,'issue_url-2',1002,1002,'2026-11-20 10:02:00.000000');
CREATE TABLE flowbot_failures (
	id INTEGER NOT NULL, 
	flow VARCHAR(120) NOT NULL, 
	version VARCHAR(64) NOT NULL, 
	run_id VARCHAR(40) NOT NULL, 
	packet_key VARCHAR(255) NOT NULL, 
	identity VARCHAR(300) NOT NULL, 
	unit VARCHAR(120) NOT NULL, 
	error_type VARCHAR(120) NOT NULL, 
	message TEXT NOT NULL, 
	traceback TEXT NOT NULL, 
	packet JSON NOT NULL, 
	unit_input JSON NOT NULL, 
	state VARCHAR(20) NOT NULL, 
	issue_url VARCHAR(500), 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "flowbot_failures" VALUES(1,'flow-1','version-1','run_id-1','packet_key-1','identity-1','unit-1','error_type-1','message-1','traceback-1','{"column": "packet", "row": 1}','{"column": "unit_input", "row": 1}','state-1','issue_url-1','2026-11-20 10:01:00.000000');
INSERT INTO "flowbot_failures" VALUES(2,'flow-2','version-2','run_id-2','packet_key-2','identity-2','unit-2','error_type-2','message-2','traceback-2','{"column": "packet", "row": 2}','{"column": "unit_input", "row": 2}','state-2','issue_url-2','2026-11-20 10:02:00.000000');
CREATE TABLE flowbot_leases (
	flow VARCHAR(120) NOT NULL, 
	owner VARCHAR(120) NOT NULL, 
	expires_at DATETIME NOT NULL, 
	PRIMARY KEY (flow)
);
INSERT INTO "flowbot_leases" VALUES('flow-1','owner-1','2026-11-20 10:01:00.000000');
INSERT INTO "flowbot_leases" VALUES('flow-2','owner-2','2026-11-20 10:02:00.000000');
CREATE TABLE flowbot_ledger (
	id INTEGER NOT NULL, 
	flow VARCHAR(120) NOT NULL, 
	identity VARCHAR(300) NOT NULL, 
	packet_key VARCHAR(255) NOT NULL, 
	state VARCHAR(20) NOT NULL, 
	run_id VARCHAR(40) NOT NULL, 
	target_ref VARCHAR(255), 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_flowbot_ledger_packet UNIQUE (flow, identity)
);
INSERT INTO "flowbot_ledger" VALUES(1,'flow-1','identity-1','packet_key-1','state-1','run_id-1','target_ref-1','2026-11-20 10:01:00.000000');
INSERT INTO "flowbot_ledger" VALUES(2,'flow-2','identity-2','packet_key-2','state-2','run_id-2','target_ref-2','2026-11-20 10:02:00.000000');
CREATE TABLE flowbot_runs (
	id VARCHAR(40) NOT NULL, 
	flow VARCHAR(120) NOT NULL, 
	version VARCHAR(64) NOT NULL, 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	status VARCHAR(20) NOT NULL, 
	counts JSON NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "flowbot_runs" VALUES('id-1','flow-1','version-1','2026-11-20 10:01:00.000000','2026-11-20 10:01:00.000000','status-1','{"column": "counts", "row": 1}');
INSERT INTO "flowbot_runs" VALUES('id-2','flow-2','version-2','2026-11-20 10:02:00.000000','2026-11-20 10:02:00.000000','status-2','{"column": "counts", "row": 2}');
CREATE INDEX ix_flowbot_runs_flow ON flowbot_runs (flow);
CREATE INDEX ix_flowbot_failures_flow ON flowbot_failures (flow);
CREATE INDEX ix_flowbot_audit_run_id ON flowbot_audit (run_id);
COMMIT;
