DROP INDEX "approvals_status_idx";--> statement-breakpoint
DROP INDEX "escalations_status_idx";--> statement-breakpoint
CREATE INDEX "approvals_status_idx" ON "approvals" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "escalations_status_idx" ON "escalations" USING btree ("status","id");