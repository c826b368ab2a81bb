CREATE TABLE `recordings` (
	`id` text PRIMARY KEY NOT NULL,
	`session_id` text NOT NULL,
	`status` text NOT NULL,
	`consent_by` text NOT NULL,
	`consent_at` integer NOT NULL,
	`consent_on_file` integer NOT NULL,
	`no_identifiers_in_view` integer NOT NULL,
	`started_at` integer NOT NULL,
	`stopped_at` integer,
	`duration_ms` integer,
	`failure` text,
	FOREIGN KEY (`session_id`) REFERENCES `live_sessions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`consent_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `recordings_session_idx` ON `recordings` (`session_id`);--> statement-breakpoint
CREATE INDEX `recordings_status_idx` ON `recordings` (`status`);