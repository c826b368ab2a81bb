CREATE TABLE `session_patients` (
	`session_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`sex` text,
	`birth_date` text,
	`mrn` text NOT NULL,
	`allergies` text NOT NULL,
	`control_id` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `live_sessions`(`id`) ON UPDATE no action ON DELETE cascade
);
