BEGIN TRANSACTION;
CREATE TABLE flowbot_approvals (
	repository VARCHAR(200) NOT NULL, 
	number INTEGER NOT NULL, 
	approved_by VARCHAR(100) NOT NULL, 
	approved_at DATETIME NOT NULL, 
	PRIMARY KEY (repository, number)
);
INSERT INTO "flowbot_approvals" VALUES('repository-1',1001,'approved_by-1','2026-11-20 10:01:00.000000');
INSERT INTO "flowbot_approvals" VALUES('repository-2',1002,'approved_by-2','2026-11-20 10:02:00.000000');
CREATE TABLE flowbot_deliveries (
	id VARCHAR(64) NOT NULL, 
	event VARCHAR(64) NOT NULL, 
	action VARCHAR(64), 
	installation_id INTEGER, 
	repository VARCHAR(200), 
	received_at DATETIME NOT NULL, 
	payload JSON NOT NULL, 
	decision TEXT NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "flowbot_deliveries" VALUES('id-1','event-1','action-1',1001,'repository-1','2026-11-20 10:01:00.000000','{"column": "payload", "row": 1}','decision-1');
INSERT INTO "flowbot_deliveries" VALUES('id-2','event-2','action-2',1002,'repository-2','2026-11-20 10:02:00.000000','{"column": "payload", "row": 2}','decision-2');
CREATE TABLE flowbot_installed_repositories (
	repository VARCHAR(200) NOT NULL, 
	installation_id INTEGER NOT NULL, 
	active BOOLEAN NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (repository)
);
INSERT INTO "flowbot_installed_repositories" VALUES('repository-1',1001,1,'2026-11-20 10:01:00.000000');
INSERT INTO "flowbot_installed_repositories" VALUES('repository-2',1002,0,'2026-11-20 10:02:00.000000');
CREATE TABLE flowbot_jobs (
	id INTEGER NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	repository VARCHAR(200) NOT NULL, 
	number INTEGER NOT NULL, 
	"trigger" VARCHAR(200) NOT NULL, 
	sender VARCHAR(100) NOT NULL, 
	installation_id INTEGER, 
	request JSON NOT NULL, 
	state VARCHAR(20) NOT NULL, 
	attempts INTEGER NOT NULL, 
	error TEXT, 
	delivery_id VARCHAR(64), 
	work JSON, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE ("trigger")
);
INSERT INTO "flowbot_jobs" VALUES(1,'kind-1','repository-1',1001,'trigger-1','sender-1',1001,'{"column": "request", "row": 1}','state-1',1001,'error-1','delivery_id-1','{"column": "work", "row": 1}','2026-11-20 10:01:00.000000','2026-11-20 10:01:00.000000');
INSERT INTO "flowbot_jobs" VALUES(2,'kind-2','repository-2',1002,'trigger-2','sender-2',1002,'{"column": "request", "row": 2}','state-2',1002,'error-2','delivery_id-2','{"column": "work", "row": 2}','2026-11-20 10:02:00.000000','2026-11-20 10:02:00.000000');
CREATE TABLE flowbot_leases (
	"key" VARCHAR(300) NOT NULL, 
	owner VARCHAR(200) NOT NULL, 
	expires_at DATETIME NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "flowbot_leases" VALUES('key-1','owner-1','2026-11-20 10:01:00.000000');
INSERT INTO "flowbot_leases" VALUES('key-2','owner-2','2026-11-20 10:02:00.000000');
CREATE INDEX ix_flowbot_jobs_repository ON flowbot_jobs (repository);
CREATE INDEX ix_flowbot_installed_repositories_installation_id ON flowbot_installed_repositories (installation_id);
COMMIT;
