CREATE TABLE `session_vitals` (
	`session_id` text PRIMARY KEY NOT NULL,
	`device_id` text,
	`bound_by` text,
	`bound_at` integer,
	`limits` text,
	FOREIGN KEY (`session_id`) REFERENCES `live_sessions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`bound_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `session_vitals_device_id_unique` ON `session_vitals` (`device_id`);