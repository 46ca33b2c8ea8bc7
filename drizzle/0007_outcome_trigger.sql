-- Every run that leaves `running` writes its outcome, whichever path finished it (a worker's
-- one-statement completion, a transaction, the SDK's finish, the lease reaper): an AFTER trigger,
-- so it runs once the whole finishing statement is done and sees the events it inserted (the
-- routing decision, the validator results) and the run as finished.
CREATE OR REPLACE FUNCTION gaffer_runs_outcome() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  diff jsonb := coalesce(NEW.output->'diff', NEW.error->'diff');
  route jsonb;
BEGIN
  SELECT e.payload INTO route FROM events e
    WHERE e.run_id = NEW.id AND e.type = 'decision' AND e.payload->>'decisionType' = 'routing'
    ORDER BY e.seq DESC LIMIT 1;
  INSERT INTO outcomes (run_id, task_id, attempt, spec_version_id, profile_version_id, status, success, verdict,
    failure_class, cost_usd, duration_ms, input_tokens, output_tokens, route_rule, route_reason, diff_files, diff_lines,
    validator_durations, finished_at)
  VALUES (NEW.id, NEW.task_id, NEW.attempt, NEW.spec_version_id, NEW.profile_version_id, NEW.status,
    NEW.status = 'succeeded', NEW.verdict, NEW.failure_class, NEW.cost_usd, NEW.duration_ms, NEW.input_tokens,
    NEW.output_tokens, route->'output'->>'rule', route->>'reason',
    CASE WHEN jsonb_typeof(diff->'files') = 'array' THEN jsonb_array_length(diff->'files') END,
    CASE WHEN jsonb_typeof(diff->'linesAdded') = 'number'
      THEN (diff->>'linesAdded')::int + coalesce((diff->>'linesRemoved')::int, 0) END,
    coalesce((SELECT jsonb_object_agg(e.payload->>'validator', e.payload->'durationMs') FROM events e
              WHERE e.run_id = NEW.id AND e.type = 'validator_result'), '{}'::jsonb),
    coalesce(NEW.finished_at, now()))
  ON CONFLICT (run_id) DO NOTHING;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER runs_outcome AFTER UPDATE OF status ON runs
  FOR EACH ROW WHEN (OLD.status = 'running' AND NEW.status <> 'running')
  EXECUTE FUNCTION gaffer_runs_outcome();
