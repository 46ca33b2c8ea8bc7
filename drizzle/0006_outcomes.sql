CREATE TABLE "outcomes" (
	"run_id" uuid PRIMARY KEY NOT NULL,
	"task_id" uuid,
	"attempt" integer,
	"spec_version_id" uuid,
	"profile_version_id" uuid,
	"status" text NOT NULL,
	"success" boolean NOT NULL,
	"verdict" text,
	"failure_class" text,
	"cost_usd" numeric(14, 6) DEFAULT 0 NOT NULL,
	"duration_ms" bigint,
	"input_tokens" bigint DEFAULT 0 NOT NULL,
	"output_tokens" bigint DEFAULT 0 NOT NULL,
	"route_rule" text,
	"route_reason" text,
	"diff_files" integer,
	"diff_lines" integer,
	"validator_durations" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	CONSTRAINT "outcomes_status_check" CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'lost'))
);
--> statement-breakpoint
ALTER TABLE "outcomes" ADD CONSTRAINT "outcomes_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outcomes" ADD CONSTRAINT "outcomes_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outcomes" ADD CONSTRAINT "outcomes_spec_version_id_spec_versions_id_fk" FOREIGN KEY ("spec_version_id") REFERENCES "public"."spec_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outcomes" ADD CONSTRAINT "outcomes_profile_version_id_profile_versions_id_fk" FOREIGN KEY ("profile_version_id") REFERENCES "public"."profile_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "outcomes_finished_at_idx" ON "outcomes" USING btree ("finished_at");--> statement-breakpoint
CREATE INDEX "outcomes_profile_idx" ON "outcomes" USING btree ("profile_version_id","finished_at");--> statement-breakpoint
CREATE INDEX "outcomes_spec_idx" ON "outcomes" USING btree ("spec_version_id","finished_at");