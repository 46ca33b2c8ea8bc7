CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"scope" text NOT NULL,
	"token_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_tokens_scope_check" CHECK (scope IN ('admin', 'operator', 'agent', 'viewer'))
);
--> statement-breakpoint
CREATE TABLE "artifact_chunks" (
	"sha256" text NOT NULL,
	"idx" integer NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "artifact_chunks_pkey" PRIMARY KEY("sha256","idx")
);
--> statement-breakpoint
CREATE TABLE "artifacts" (
	"sha256" text PRIMARY KEY NOT NULL,
	"bytes" bigint NOT NULL,
	"content_type" text NOT NULL,
	"storage" text NOT NULL,
	"inline_data" "bytea",
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "artifacts_storage_check" CHECK (storage IN ('inline', 'blob_fs', 'blob_db')),
	CONSTRAINT "artifacts_sha256_check" CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "artifacts_inline_check" CHECK ((storage = 'inline') = (inline_data IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "event_batches" (
	"run_id" uuid NOT NULL,
	"batch_id" text NOT NULL,
	"first_seq" bigint NOT NULL,
	"last_seq" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "event_batches_pkey" PRIMARY KEY("run_id","batch_id")
);
--> statement-breakpoint
CREATE TABLE "events" (
	"run_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"type" text NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"payload" jsonb NOT NULL,
	"payload_sha256" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "events_pkey" PRIMARY KEY("run_id","seq"),
	CONSTRAINT "events_seq_check" CHECK ("events"."seq" >= 1)
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"parent_run_id" uuid,
	"root_run_id" uuid,
	"task_id" uuid,
	"attempt" integer DEFAULT 1 NOT NULL,
	"name" text,
	"agent" text,
	"spec_version_id" uuid,
	"profile_version_id" uuid,
	"status" text DEFAULT 'running' NOT NULL,
	"verdict" text,
	"failure_class" text,
	"error" jsonb,
	"output" jsonb,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"turns" integer DEFAULT 0 NOT NULL,
	"input_tokens" bigint DEFAULT 0 NOT NULL,
	"output_tokens" bigint DEFAULT 0 NOT NULL,
	"cost_usd" numeric(14, 6) DEFAULT 0 NOT NULL,
	"last_seq" bigint DEFAULT 0 NOT NULL,
	"created_by" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"duration_ms" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "runs_status_check" CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'lost')),
	CONSTRAINT "runs_verdict_check" CHECK (verdict IS NULL OR verdict IN ('passed', 'failed', 'error')),
	CONSTRAINT "runs_failure_class_check" CHECK (failure_class IS NULL OR failure_class IN ('compile_error', 'test_fail', 'lint_error', 'dependency_missing', 'contract_violation', 'orchestration_error', 'budget_exceeded', 'timeout', 'resource_exhausted', 'provider_error', 'unknown')),
	CONSTRAINT "runs_attempt_check" CHECK ("runs"."attempt" >= 1)
);
--> statement-breakpoint
ALTER TABLE "artifact_chunks" ADD CONSTRAINT "artifact_chunks_sha256_artifacts_sha256_fk" FOREIGN KEY ("sha256") REFERENCES "public"."artifacts"("sha256") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_batches" ADD CONSTRAINT "event_batches_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_parent_run_id_runs_id_fk" FOREIGN KEY ("parent_run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_hash_idx" ON "api_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "events_type_idx" ON "events" USING btree ("type","run_id");--> statement-breakpoint
CREATE INDEX "runs_parent_idx" ON "runs" USING btree ("parent_run_id");--> statement-breakpoint
CREATE INDEX "runs_task_idx" ON "runs" USING btree ("task_id","attempt");--> statement-breakpoint
CREATE INDEX "runs_status_id_idx" ON "runs" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "runs_started_at_idx" ON "runs" USING btree ("started_at");