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
-- Before the index, a database may already hold such twins: keep one of each, the judged one if
-- either was accepted, else the one sent to PACS, else the first. Nothing points at a still's row
-- (a case track's event or an audit entry naming a removed twin finds no still, as before for a
-- deleted one); its PNG, the same bytes as the kept one's, stays in the media directory.
-- A database that ran this file before the twins' removal was added is not touched again: drizzle
-- runs a migration by its journal time, not its hash.
DELETE FROM `stills` WHERE `id` IN (
	SELECT `id` FROM (
		SELECT `id`, row_number() OVER (
			PARTITION BY `exam_id`, `view_key`, `sha256`
			ORDER BY `verdict` = 'accepted' DESC, `pacs_state` = 'sent' DESC, `captured_at`, `id`
		) AS `n`
		FROM `stills` WHERE `verdict` <> 'retake' AND `exam_id` IS NOT NULL AND `view_key` IS NOT NULL
	) WHERE `n` > 1
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stills_once_idx` ON `stills` (`exam_id`,`view_key`,`sha256`) WHERE verdict <> 'retake';