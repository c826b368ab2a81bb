-- Retention: each case has the moment after which the api deletes it and its media
-- (api/src/cases/retention.ts). SQLite cannot add a NOT NULL column without a default, and a
-- default would date a case the api forgot to date, so the table is rebuilt as drizzle-kit
-- rebuilds one (libSQL runs a migration with foreign keys off). Cases made before this are
-- kept ten years from their recording: LOUPE_CASE_RETENTION_DAYS' default (api/src/env.ts).
CREATE TABLE `__new_cases` (
	`id` text PRIMARY KEY NOT NULL,
	`session_id` text NOT NULL,
	`recording_id` text NOT NULL,
	`status` text NOT NULL,
	`failure` text,
	`title` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`procedure` text NOT NULL,
	`specialty` text NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`learning_points` text DEFAULT '' NOT NULL,
	`published` integer DEFAULT false NOT NULL,
	`duration_ms` integer,
	`chapters` text DEFAULT '[]' NOT NULL,
	`recorded_at` integer NOT NULL,
	`retain_until` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `live_sessions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`recording_id`) REFERENCES `recordings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_cases`("id", "session_id", "recording_id", "status", "failure", "title", "description", "procedure", "specialty", "tags", "learning_points", "published", "duration_ms", "chapters", "recorded_at", "retain_until", "created_at")
SELECT "id", "session_id", "recording_id", "status", "failure", "title", "description", "procedure", "specialty", "tags", "learning_points", "published", "duration_ms", "chapters", "recorded_at", "recorded_at" + 3650 * 86400000, "created_at" FROM `cases`;--> statement-breakpoint
DROP TABLE `cases`;--> statement-breakpoint
ALTER TABLE `__new_cases` RENAME TO `cases`;--> statement-breakpoint
CREATE UNIQUE INDEX `cases_recording_id_unique` ON `cases` (`recording_id`);--> statement-breakpoint
CREATE INDEX `cases_specialty_idx` ON `cases` (`specialty`);--> statement-breakpoint
CREATE INDEX `cases_recorded_idx` ON `cases` (`recorded_at`);--> statement-breakpoint
CREATE INDEX `cases_retain_until_idx` ON `cases` (`retain_until`);
