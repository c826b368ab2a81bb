-- A recording says whether the recorder has begun capturing (the room shows REC as starting
-- until then) and whether it keeps up (REC — degraded). Recordings already capturing when this
-- runs had begun: they are dated from their start.
ALTER TABLE `recordings` ADD `capturing_at` integer;--> statement-breakpoint
ALTER TABLE `recordings` ADD `degraded` integer DEFAULT false NOT NULL;--> statement-breakpoint
UPDATE `recordings` SET `capturing_at` = `started_at` WHERE `status` IN ('recording', 'paused');
