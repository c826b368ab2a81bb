CREATE TABLE `cases` (
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
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `live_sessions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`recording_id`) REFERENCES `recordings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `cases_recording_id_unique` ON `cases` (`recording_id`);--> statement-breakpoint
CREATE INDEX `cases_specialty_idx` ON `cases` (`specialty`);--> statement-breakpoint
CREATE INDEX `cases_recorded_idx` ON `cases` (`recorded_at`);