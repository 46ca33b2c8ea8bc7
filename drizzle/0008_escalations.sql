CREATE TABLE "escalations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"task_id" uuid NOT NULL,
	"run_id" uuid,
	"status" text DEFAULT 'open' NOT NULL,
	"trigger" text NOT NULL,
	"failure_class" text,
	"evidence" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"options" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"acknowledged_at" timestamp with time zone,
	"acknowledged_by" text,
	"resolved_at" timestamp with time zone,
	"resolved_by" text,
	"resolution" text,
	"note" text,
	CONSTRAINT "escalations_status_check" CHECK (status IN ('open', 'acknowledged', 'resolved', 'dismissed')),
	CONSTRAINT "escalations_trigger_check" CHECK (trigger IN ('retries_exhausted', 'no_retry_class', 'no_progress')),
	CONSTRAINT "escalations_resolution_check" CHECK (resolution IS NULL OR resolution IN ('retry_stronger', 'retry_larger_budget', 'retry', 'amend_spec', 'abort'))
);
--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "escalations_status_idx" ON "escalations" USING btree ("status","opened_at");--> statement-breakpoint
CREATE INDEX "escalations_task_idx" ON "escalations" USING btree ("task_id");--> statement-breakpoint
CREATE UNIQUE INDEX "escalations_one_open_idx" ON "escalations" USING btree ("task_id") WHERE status IN ('open', 'acknowledged');