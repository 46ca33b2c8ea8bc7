/**
 * The overview: live task counts by status (polled every 3 s), success rate and cost per day,
 * failure classes, and what waits for a person (escalations, approvals).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { query } from '../api.js';
import { CostChart, HBars, RateChart, RunsChart } from '../components/Charts.js';
import { Empty, ErrorNote, IdLink, Loading, Section, Status, Time } from '../components/common.js';
import { useApi, useTitle, type Loaded } from '../components/hooks.js';
import { count, percent, usd } from '../lib/format.js';
import { fillDays, sinceDays } from '../lib/series.js';
import { href } from '../router.js';
import { statusWord, triggerText } from '../lib/words.js';
import { TASK_STATUSES, type Approval, type Escalation, type Stats, type TaskCounts } from '../types.js';

const COUNTS_POLL_MS = 3000;
const INBOX_POLL_MS = 10_000;
const RANGES = [7, 14, 30] as const;

type CountsData = { counts: TaskCounts; total: number };

/**
 * Reloads an inbox as soon as the live counts say its number changed, so the two never disagree
 * for a whole poll interval ("1 escalated" beside "Nothing is escalated").
 */
function useReloadOn(value: number | undefined, reload: () => void): void {
  const seen = useRef(value);
  useEffect(() => {
    if (value !== undefined && seen.current !== undefined && value !== seen.current) reload();
    seen.current = value;
  }, [value, reload]);
}

function Counts({ counts }: { counts: Loaded<CountsData> }) {
  return (
    <Section title="Tasks by status" actions={<span class="muted small">{counts.data ? `${count(counts.data.total)} in all · live` : ''}</span>}>
      <ErrorNote error={counts.error} />
      <ul class="counts">
        {TASK_STATUSES.map((s) => (
          <li key={s}>
            <a href={`#/tasks?status=${s}&kind=work`} class={`count s-${s} ${counts.data && counts.data.counts[s] > 0 ? '' : 'zero'}`}>
              <span class="count-n num" data-testid={`count-${s}`}>
                {counts.data ? counts.data.counts[s] : '–'}
              </span>
              <span class="count-label">{statusWord(s)}</span>
            </a>
          </li>
        ))}
      </ul>
    </Section>
  );
}

function RangePicker({ days, setDays }: { days: number; setDays(days: number): void }) {
  return (
    <div class="field inline">
      <label for="range">Range</label>
      <select id="range" value={String(days)} onChange={(e) => setDays(Number((e.currentTarget as HTMLSelectElement).value))}>
        {RANGES.map((d) => (
          <option key={d} value={String(d)}>
            last {d} days
          </option>
        ))}
      </select>
    </div>
  );
}

function Trends({ days, setDays }: { days: number; setDays(days: number): void }) {
  // `since` is rounded to the day so the path (and the request) stays the same between renders.
  const stats = useApi<Stats>(`/stats${query({ by: 'day', since: sinceDays(days) })}`, 60_000);
  const points = stats.data ? fillDays(stats.data.groups, days) : [];
  const total = stats.data?.total;
  return (
    <Section
      title="Finished runs"
      actions={<RangePicker days={days} setDays={setDays} />}
    >
      <ErrorNote error={stats.error} />
      {total ? (
        <p class="kpis">
          <span>
            <strong class="num">{count(total.runs)}</strong> runs
          </span>
          <span>
            <strong class="num">{percent(total.successRate)}</strong> succeeded
          </span>
          <span>
            <strong class="num">{usd(total.costUsd)}</strong> cost
          </span>
          <span>
            {/* From the two figures beside it, so the three always agree. */}
            <strong class="num">{usd(total.runs ? total.costUsd / total.runs : null)}</strong> per run
          </span>
        </p>
      ) : null}
      {stats.data ? (
        <div class="charts">
          <div>
            <h3>Runs per day</h3>
            <RunsChart points={points} />
          </div>
          <div>
            <h3>Success rate</h3>
            <RateChart points={points} />
          </div>
          <div>
            <h3>Cost per day (USD)</h3>
            <CostChart points={points} />
          </div>
        </div>
      ) : stats.error ? null : (
        <Loading what="stats" />
      )}
    </Section>
  );
}

/** Failed runs by class over the same days as the charts (the range above). */
function FailureClasses({ days }: { days: number }) {
  const stats = useApi<Stats>(`/stats${query({ by: 'failure_class', since: sinceDays(days) })}`, 60_000);
  const rows = (stats.data?.groups ?? []).filter((g) => g.key !== '(none)' && g.failures > 0).sort((a, b) => b.failures - a.failures);
  return (
    <Section title={`Failed runs by failure class, last ${days} days`}>
      <ErrorNote error={stats.error} />
      {!stats.data ? (
        stats.error ? null : <Loading what="failure classes" />
      ) : rows.length === 0 ? (
        <Empty>No failed runs.</Empty>
      ) : (
        <HBars rows={rows.map((g) => ({ key: g.key, value: g.failures, note: usd(g.costUsd) }))} />
      )}
    </Section>
  );
}

function RecentEscalations({ escalated }: { escalated: number | undefined }) {
  const inbox = useApi<{ escalations: Escalation[] }>('/escalations?status=open,acknowledged&limit=10', INBOX_POLL_MS);
  useReloadOn(escalated, inbox.reload);
  const list = inbox.data?.escalations ?? [];
  return (
    <Section title="Escalations" actions={<a href="#/escalations">Inbox</a>}>
      <ErrorNote error={inbox.error} />
      {!inbox.data ? (
        inbox.error ? null : <Loading what="escalations" />
      ) : list.length === 0 ? (
        <Empty>Nothing is escalated.</Empty>
      ) : (
        <ul class="rows">
          {list.map((e) => {
            const t = e.task;
            return (
              <li key={e.id}>
                <Status status={e.status} /> <IdLink kind="tasks" id={e.taskId} /> {t?.spec ? <a href={href('specs', t.spec.name)}>{t.spec.name}</a> : null}{' '}
                {e.failureClass ? <span class="badge fc">{e.failureClass}</span> : null}{' '}
                <span class="muted small">{triggerText(e.trigger, e.failureClass, t?.attempt, t?.maxAttempts)}</span>{' '}
                <span class="muted">
                  <Time iso={e.openedAt} />
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </Section>
  );
}

function PendingApprovals({ awaiting }: { awaiting: number | undefined }) {
  const pending = useApi<{ approvals: Approval[] }>('/approvals?status=pending&limit=10', INBOX_POLL_MS);
  useReloadOn(awaiting, pending.reload);
  return (
    <Section title="Approvals waiting" actions={<a href="#/approvals">Inbox</a>}>
      <ErrorNote error={pending.error} />
      {!pending.data ? (
        pending.error ? null : <Loading what="approvals" />
      ) : pending.data.approvals.length === 0 ? (
        <Empty>Nothing waits for approval.</Empty>
      ) : (
        <ul class="rows">
          {pending.data.approvals.map((a) => (
            <li key={a.id}>
              <span class="badge">{a.kind}</span> <IdLink kind="tasks" id={a.taskId} />{' '}
              {typeof a.request?.spec === 'string' ? <a href={href('specs', a.request.spec)}>{a.request.spec}</a> : null}{' '}
              <span class="muted">
                <Time iso={a.requestedAt} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

export function Overview() {
  useTitle('Overview');
  const [days, setDays] = useState<number>(14);
  const counts = useApi<CountsData>(`/tasks/counts${query({ kind: 'work' })}`, COUNTS_POLL_MS);
  return (
    <>
      <h1>Overview</h1>
      <Counts counts={counts} />
      <div class="grid2">
        <RecentEscalations escalated={counts.data?.counts.escalated} />
        <PendingApprovals awaiting={counts.data?.counts.awaiting_approval} />
      </div>
      <Trends days={days} setDays={setDays} />
      <FailureClasses days={days} />
    </>
  );
}
