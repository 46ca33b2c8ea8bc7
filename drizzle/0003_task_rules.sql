-- The task state machine, held by the database. TASK_TRANSITIONS in src/db/vocabulary.ts is the
-- same list (test/tasks/stateMachine.test.ts compares them); any other status change is refused.
INSERT INTO task_transitions (from_status, to_status) VALUES
  ('awaiting_approval', 'waiting'),
  ('awaiting_approval', 'scheduled'),
  ('awaiting_approval', 'queued'),
  ('awaiting_approval', 'rejected'),
  ('awaiting_approval', 'cancelled'),
  ('awaiting_approval', 'blocked'),
  ('waiting', 'queued'),
  ('waiting', 'scheduled'),
  ('waiting', 'blocked'),
  ('waiting', 'cancelled'),
  ('scheduled', 'running'),
  ('scheduled', 'queued'),
  ('scheduled', 'cancelled'),
  ('queued', 'running'),
  ('queued', 'cancelled'),
  ('running', 'succeeded'),
  ('running', 'failed'),
  ('running', 'retrying'),
  ('running', 'queued'),
  ('running', 'escalated'),
  ('running', 'cancelled'),
  ('running', 'awaiting_approval'),
  ('retrying', 'running'),
  ('retrying', 'queued'),
  ('retrying', 'cancelled'),
  ('failed', 'escalated'),
  ('failed', 'queued'),
  ('escalated', 'queued'),
  ('escalated', 'failed'),
  ('escalated', 'cancelled');
--> statement-breakpoint
CREATE OR REPLACE FUNCTION gaffer_tasks_status_rule() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF NOT EXISTS (SELECT 1 FROM task_transitions WHERE from_status = OLD.status AND to_status = NEW.status) THEN
      RAISE EXCEPTION 'task % cannot go from % to %', OLD.id, OLD.status, NEW.status
        USING ERRCODE = 'GF003', HINT = 'see docs/state-machines.md for the allowed transitions';
    END IF;
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER tasks_status_rule BEFORE UPDATE ON tasks
  FOR EACH ROW EXECUTE FUNCTION gaffer_tasks_status_rule();
--> statement-breakpoint
-- A task's log is as append-only as a run's. The function of 0001 is shared, so its message now
-- names the table the trigger fired on (still GF001).
CREATE OR REPLACE FUNCTION gaffer_events_are_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% are append-only: % on % is not allowed', TG_TABLE_NAME, TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'GF001', HINT = 'append a new event instead of changing a recorded one';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER task_events_no_update_delete BEFORE UPDATE OR DELETE ON task_events
  FOR EACH ROW EXECUTE FUNCTION gaffer_events_are_immutable();
--> statement-breakpoint
CREATE TRIGGER task_events_no_truncate BEFORE TRUNCATE ON task_events
  FOR EACH STATEMENT EXECUTE FUNCTION gaffer_events_are_immutable();
--> statement-breakpoint
-- Wake idle workers (LISTEN gaffer_tasks) when a task may have become claimable. Postgres folds
-- identical notifications of one transaction into one, so a bulk insert sends one.
CREATE OR REPLACE FUNCTION gaffer_tasks_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gaffer_tasks', '');
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER tasks_notify_insert AFTER INSERT ON tasks
  FOR EACH ROW WHEN (NEW.status IN ('queued', 'scheduled', 'retrying'))
  EXECUTE FUNCTION gaffer_tasks_notify();
--> statement-breakpoint
CREATE TRIGGER tasks_notify_update AFTER UPDATE OF status ON tasks
  FOR EACH ROW WHEN (NEW.status IN ('queued', 'scheduled', 'retrying') AND OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION gaffer_tasks_notify();
