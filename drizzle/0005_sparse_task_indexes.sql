DROP INDEX "tasks_idempotency_key_idx";--> statement-breakpoint
DROP INDEX "tasks_schedule_fire_idx";--> statement-breakpoint
DROP INDEX "tasks_lease_idx";--> statement-breakpoint
DROP INDEX "tasks_parent_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_idempotency_key_idx" ON "tasks" USING btree ("idempotency_key") WHERE idempotency_key IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_schedule_fire_idx" ON "tasks" USING btree ("schedule_id","fire_time") WHERE schedule_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX "tasks_lease_idx" ON "tasks" USING btree ("lease_expires_at") WHERE lease_expires_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX "tasks_parent_idx" ON "tasks" USING btree ("parent_task_id") WHERE parent_task_id IS NOT NULL;