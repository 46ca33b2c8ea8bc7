ALTER TABLE "schedules" DROP CONSTRAINT "schedules_name_key";--> statement-breakpoint
DROP INDEX "schedules_due_idx";--> statement-breakpoint
ALTER TABLE "schedules" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "schedules_name_idx" ON "schedules" USING btree ("name") WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX "schedules_due_idx" ON "schedules" USING btree ("next_fire_at") WHERE NOT paused AND deleted_at IS NULL;