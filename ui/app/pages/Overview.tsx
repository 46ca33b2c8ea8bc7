import { api } from '../api.js';
import { pct, shortId, usd } from '../format.js';
import type { Approval, Escalation, Stats, StatsGroup } from '../types.js';
import { ErrorBox, Section, Status, Time, useLoad } from '../ui.js';

const STATES = ['awaiting_approval', 'queued', 'running', 'retrying', 'waiting', 'scheduled', 'succeeded', 'failed', 'escalated', 'cancelled', 'rejected', 'blocked'];

export function Overview() {
  const counts = useLoad(() => api<{ counts: Record<string, number>; total: number }>('/tasks/counts?kind=work'), [], 3000);
  const since = new Date(Date.now() - 14 * 86_400_000).toISOString();
  const days = useLoad(() => api<Stats>(`/stats?by=day&since=${encodeURIComponent(since)}`), [], 10_000);
  const classes = useLoad(() => api<Stats>(`/stats?by=failure_class&since=${encodeURIComponent(since)}`), [], 10_000);
  const escalations = useLoad(() => api<{ escalations: Escalation[] }>('/escalations?limit=50'), [], 5000);
  const approvals = useLoad(() => api<{ approvals: Approval[] }>('/approvals?status=pending'), [], 5000);
  const open = (escalations.data?.escalations ?? []).filter((e) => e.status === 'open' || e.status === 'acknowledged');
  return (
    <>
      <h1>Overview</h1>
      <ErrorBox error={counts.error} />
      <ul class="counts" aria-label="Tasks by state">
        {STATES.map((s) => (
          <li key={s} class={`count s-${s}`}>
            <a href={`#/tasks?status=${s}`}>
              <span class="n" data-testid={`count-${s}`}>
                {counts.data?.counts[s] ?? 0}
              </span>
              <span class="label">{s.replace('_', ' ')}</span>
            </a>
          </li>
        ))}
      </ul>
      <div class="grid2">
        <Section title="Success rate by day">
          <ErrorBox error={days.error} />
          <BarChart groups={days.data?.groups ?? []} value={(g) => g.successRate ?? 0} label={(g) => pct(g.successRate)} max={1} name="success rate" />
        </Section>
        <Section title="Cost by day">
          <BarChart groups={days.data?.groups ?? []} value={(g) => g.costUsd} label={(g) => usd(g.costUsd)} name="cost" />
        </Section>
        <Section title="Failure classes (14 days)">
          <ErrorBox error={classes.error} />
          {(classes.data?.groups ?? []).filter((g) => g.failures > 0).length === 0 ? (
            <p class="muted">No failed runs.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>class</th>
                  <th>failed runs</th>
                </tr>
              </thead>
              <tbody>
                {(classes.data?.groups ?? [])
                  .filter((g) => g.failures > 0)
                  .map((g) => (
                    <tr key={g.key}>
                      <td>{g.key}</td>
                      <td>{g.failures}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          )}
        </Section>
        <Section title={`Escalations open (${open.length})`} actions={<a href="#/escalations">Inbox</a>}>
          {open.length === 0 ? <p class="muted">Nothing waits for a person.</p> : null}
          <ul class="plain">
            {open.slice(0, 5).map((e) => (
              <li key={e.id}>
                <Status status={e.status} /> <a href={`#/tasks/${e.taskId}`}>task {shortId(e.taskId)}</a> {e.failureClass ?? e.trigger} <Time iso={e.openedAt} />
              </li>
            ))}
          </ul>
        </Section>
        <Section title={`Approvals waiting (${approvals.data?.approvals.length ?? 0})`} actions={<a href="#/approvals">Inbox</a>}>
          {(approvals.data?.approvals.length ?? 0) === 0 ? <p class="muted">Nothing to approve.</p> : null}
          <ul class="plain">
            {(approvals.data?.approvals ?? []).slice(0, 5).map((a) => (
              <li key={a.id}>
                {a.kind} <a href={`#/tasks/${a.taskId}`}>task {shortId(a.taskId)}</a> {a.request.spec ?? ''} <Time iso={a.requestedAt} />
              </li>
            ))}
          </ul>
        </Section>
      </div>
    </>
  );
}

/** A bar per group (day), drawn as SVG; each bar has a title for its exact value. */
function BarChart({ groups, value, label, max, name }: { groups: StatsGroup[]; value: (g: StatsGroup) => number; label: (g: StatsGroup) => string; max?: number; name: string }) {
  if (groups.length === 0) return <p class="muted">No finished runs yet.</p>;
  const top = max ?? Math.max(...groups.map(value), 1e-9);
  const w = 28;
  const h = 100;
  return (
    <svg class="chart" viewBox={`0 0 ${groups.length * (w + 6)} ${h + 18}`} role="img" aria-label={`${name} by day`}>
      {groups.map((g, i) => {
        const bh = Math.max(1, (value(g) / top) * h);
        return (
          <g key={g.key}>
            <rect x={i * (w + 6)} y={h - bh} width={w} height={bh} class="bar">
              <title>{`${g.key}: ${label(g)} (${g.runs} runs)`}</title>
            </rect>
            <text x={i * (w + 6) + w / 2} y={h + 13} text-anchor="middle" class="axis">
              {g.key.slice(5)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
