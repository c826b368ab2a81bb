-- A recording's duration and failure were written twice, on the recording and on its case, and
-- could disagree. They are kept on the recording only; a case reads its recording's. Where only
-- the case had them, they are carried over first.
UPDATE `recordings` SET
	`duration_ms` = coalesce(`duration_ms`, (SELECT `duration_ms` FROM `cases` WHERE `cases`.`recording_id` = `recordings`.`id`)),
	`failure` = coalesce(`failure`, (SELECT `failure` FROM `cases` WHERE `cases`.`recording_id` = `recordings`.`id`));--> statement-breakpoint
ALTER TABLE `cases` DROP COLUMN `failure`;--> statement-breakpoint
ALTER TABLE `cases` DROP COLUMN `duration_ms`;
