-- Events are an append-only log: the database itself refuses to change or remove one.
CREATE OR REPLACE FUNCTION gaffer_events_are_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events are append-only: % on events is not allowed', TG_OP
    USING ERRCODE = 'GF001', HINT = 'append a new event instead of changing a recorded one';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION gaffer_events_are_immutable();
--> statement-breakpoint
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION gaffer_events_are_immutable();
--> statement-breakpoint
-- A run's status moves only from running to a terminal status; a terminal status is final.
-- This is what keeps a lost or cancelled attempt from being reported as succeeded later.
CREATE OR REPLACE FUNCTION gaffer_runs_status_rule() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status AND OLD.status <> 'running' THEN
    RAISE EXCEPTION 'run % is already %, it cannot become %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'GF002';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER runs_status_rule BEFORE UPDATE OF status ON runs
  FOR EACH ROW EXECUTE FUNCTION gaffer_runs_status_rule();
