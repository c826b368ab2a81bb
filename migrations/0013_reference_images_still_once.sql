-- Reference images of scan protocol views (protocol/src/scan-protocols.ts), named by their SHA-256;
-- and one still per image of an exam's view, so that two identical uploads racing keep one.
CREATE TABLE `reference_images` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`data` blob NOT NULL,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stills_once_idx` ON `stills` (`exam_id`,`view_key`,`sha256`) WHERE verdict <> 'retake';