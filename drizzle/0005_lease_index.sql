DROP INDEX "tasks_lease_idx";--> statement-breakpoint
CREATE INDEX "tasks_lease_idx" ON "tasks" USING btree ("lease_expires_at") WHERE lease_expires_at IS NOT NULL;