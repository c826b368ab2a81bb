-- Remote ultrasound: sites, versioned scan protocols, guided exams and their stills with a PACS
-- outbox (protocol/src/exams.ts, sites.ts, scan-protocols.ts).
CREATE TABLE `exams` (
	`id` text PRIMARY KEY NOT NULL,
	`session_id` text NOT NULL,
	`protocol_key` text NOT NULL,
	`protocol_version` integer NOT NULL,
	`status` text DEFAULT 'running' NOT NULL,
	`site_id` text,
	`sonographer_id` text,
	`patient` text,
	`study_uid` text NOT NULL,
	`series_uid` text NOT NULL,
	`started_by` text NOT NULL,
	`started_at` integer NOT NULL,
	`signed_by` text,
	`signed_at` integer,
	`comment` text DEFAULT '' NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `live_sessions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`sonographer_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`started_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`signed_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `exams_session_idx` ON `exams` (`session_id`);--> statement-breakpoint
CREATE INDEX `exams_site_idx` ON `exams` (`site_id`,`started_at`);--> statement-breakpoint
CREATE TABLE `scan_protocols` (
	`key` text NOT NULL,
	`version` integer NOT NULL,
	`exam_type` text NOT NULL,
	`name` text NOT NULL,
	`source` text NOT NULL,
	`views` text NOT NULL,
	`built_in` integer DEFAULT false NOT NULL,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`key`, `version`),
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `sites` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`parent_id` text,
	`dicomweb_url` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sites_name_unique` ON `sites` (`name`);--> statement-breakpoint
CREATE TABLE `stills` (
	`id` text PRIMARY KEY NOT NULL,
	`session_id` text NOT NULL,
	`exam_id` text,
	`view_key` text,
	`kind` text NOT NULL,
	`sha256` text NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`bytes` integer NOT NULL,
	`captured_by` text NOT NULL,
	`captured_at` integer NOT NULL,
	`recording_id` text,
	`at_ms` integer,
	`verdict` text DEFAULT 'pending' NOT NULL,
	`score` integer,
	`reason` text,
	`comment` text DEFAULT '' NOT NULL,
	`verdict_by` text,
	`verdict_at` integer,
	`drawings` text DEFAULT '[]' NOT NULL,
	`sop_instance_uid` text NOT NULL,
	`pacs_state` text DEFAULT 'none' NOT NULL,
	`pacs_attempts` integer DEFAULT 0 NOT NULL,
	`pacs_next_at` integer,
	`pacs_error` text,
	`pacs_sent_at` integer,
	FOREIGN KEY (`session_id`) REFERENCES `live_sessions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`exam_id`) REFERENCES `exams`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`captured_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`recording_id`) REFERENCES `recordings`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`verdict_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `stills_exam_idx` ON `stills` (`exam_id`);--> statement-breakpoint
CREATE INDEX `stills_session_idx` ON `stills` (`session_id`);--> statement-breakpoint
CREATE INDEX `stills_pacs_idx` ON `stills` (`pacs_state`,`pacs_next_at`);--> statement-breakpoint
ALTER TABLE `live_sessions` ADD `kind` text DEFAULT 'surgery' NOT NULL;--> statement-breakpoint
ALTER TABLE `live_sessions` ADD `site_id` text REFERENCES sites(id);--> statement-breakpoint
ALTER TABLE `live_sessions` ADD `review_site_id` text REFERENCES sites(id);--> statement-breakpoint
ALTER TABLE `users` ADD `site_id` text REFERENCES sites(id);