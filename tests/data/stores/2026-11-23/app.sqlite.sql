BEGIN TRANSACTION;
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
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE ("trigger")
);
INSERT INTO "flowbot_jobs" VALUES(1,'kind-1','repository-1',1001,'trigger-1','sender-1',1001,'{"column": "request", "row": 1}','state-1',1001,'error-1','delivery_id-1','2026-11-20 10:01:00.000000','2026-11-20 10:01:00.000000');
INSERT INTO "flowbot_jobs" VALUES(2,'kind-2','repository-2',1002,'trigger-2','sender-2',1002,'{"column": "request", "row": 2}','state-2',1002,'error-2','delivery_id-2','2026-11-20 10:02:00.000000','2026-11-20 10:02:00.000000');
CREATE INDEX ix_flowbot_jobs_repository ON flowbot_jobs (repository);
COMMIT;
