-- The search index follows the cases table by itself: these triggers write a case's row in
-- cases_fts when the case is made, rewrite it when its text changes and remove it when the case
-- goes, whoever changes the table (an edit, the recorder's chapters, retention, a session deleted
-- with its cases). Before, the api wrote the index by hand beside each change and could miss one.
-- Tags and chapter titles are JSON in the table and plain text in the index.
CREATE TRIGGER `cases_fts_insert` AFTER INSERT ON `cases`
BEGIN
	INSERT INTO `cases_fts` (`case_id`, `title`, `procedure`, `specialty`, `tags`, `description`, `chapters`)
	VALUES (
		new.`id`, new.`title`, new.`procedure`, new.`specialty`,
		(SELECT coalesce(group_concat(`value`, ' '), '') FROM json_each(new.`tags`)),
		new.`description` || char(10) || new.`learning_points`,
		(SELECT coalesce(group_concat(json_extract(`value`, '$.title'), char(10)), '') FROM json_each(new.`chapters`))
	);
END;--> statement-breakpoint
CREATE TRIGGER `cases_fts_update` AFTER UPDATE OF `title`, `procedure`, `specialty`, `tags`, `description`, `learning_points`, `chapters` ON `cases`
BEGIN
	DELETE FROM `cases_fts` WHERE `case_id` = old.`id`;
	INSERT INTO `cases_fts` (`case_id`, `title`, `procedure`, `specialty`, `tags`, `description`, `chapters`)
	VALUES (
		new.`id`, new.`title`, new.`procedure`, new.`specialty`,
		(SELECT coalesce(group_concat(`value`, ' '), '') FROM json_each(new.`tags`)),
		new.`description` || char(10) || new.`learning_points`,
		(SELECT coalesce(group_concat(json_extract(`value`, '$.title'), char(10)), '') FROM json_each(new.`chapters`))
	);
END;--> statement-breakpoint
CREATE TRIGGER `cases_fts_delete` AFTER DELETE ON `cases`
BEGIN
	DELETE FROM `cases_fts` WHERE `case_id` = old.`id`;
END;--> statement-breakpoint
-- The index is rebuilt once from the table, oldest case first: a search takes the newest
-- matches by the index's rowid (api/src/cases/queries.ts).
DELETE FROM `cases_fts`;--> statement-breakpoint
INSERT INTO `cases_fts` (`case_id`, `title`, `procedure`, `specialty`, `tags`, `description`, `chapters`)
SELECT
	`id`, `title`, `procedure`, `specialty`,
	(SELECT coalesce(group_concat(`value`, ' '), '') FROM json_each(`cases`.`tags`)),
	`description` || char(10) || `learning_points`,
	(SELECT coalesce(group_concat(json_extract(`value`, '$.title'), char(10)), '') FROM json_each(`cases`.`chapters`))
FROM `cases` ORDER BY `recorded_at`;
