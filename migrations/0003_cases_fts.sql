-- Full-text search over the library: one FTS5 row per case, written by the api whenever a
-- case's text changes (api/src/cases/search.ts). unicode61 with diacritics removed, so
-- prefixes of English words match; a run of Chinese characters is one token (whole-word match).
CREATE VIRTUAL TABLE `cases_fts` USING fts5(
	`case_id` UNINDEXED,
	`title`,
	`procedure`,
	`specialty`,
	`tags`,
	`description`,
	`chapters`,
	tokenize = 'unicode61 remove_diacritics 2'
);
