/** Schedules: cron, zone, next fire times, paused or active; operators pause and resume them. */
import { post } from '../api.js';
import { ActionButton, ActionError, useAction } from '../components/Actions.js';
import { Empty, ErrorNote, Json, Loading, Status, Time } from '../components/common.js';
import { useApi, useTitle } from '../components/hooks.js';
import { absoluteTime } from '../lib/format.js';
import { inputPreview, missedPolicy } from '../lib/words.js';
import { href } from '../router.js';
import { useSession } from '../session.js';
import type { Schedule } from '../types.js';

function ScheduleRow({ schedule, onChanged }: { schedule: Schedule; onChanged(): void }) {
  const { operate } = useSession();
  const action = useAction();
  const s = schedule;
  const toggle = (label: 'Pause' | 'Resume'): void => {
    void action.run(label, () => post(`/schedules/${s.id}/${label.toLowerCase()}`)).then((ok) => ok && onChanged());
  };
  return (
    <tr data-testid="schedule">
      <td data-label="Name">
        <span class="strong">{s.name}</span>
        <div class="mono small muted">{s.id}</div>
      </td>
      <td data-label="Spec">
        <a href={href('specs', s.spec)}>{s.spec}</a>
        <div class="small">
          <a href={`#/tasks?schedule=${encodeURIComponent(s.id)}`}>its tasks</a>
        </div>
      </td>
      <td data-label="Cron">
        <code>{s.cron}</code>
        <div class="small muted">{s.timezone}</div>
      </td>
      <td data-label="State">{s.deletedAt ? <Status status="deleted" /> : <Status status={s.paused ? 'paused' : 'active'} />}</td>
      <td data-label="Next fire">
        {s.paused || !s.nextFireAt ? (
          <span class="muted">—</span>
        ) : (
          <>
            <Time iso={s.nextFireAt} />
            <div class="small muted">{absoluteTime(s.nextFireAt)}</div>
            {s.nextFireTimes && s.nextFireTimes.length > 1 ? (
              <details class="small">
                <summary>then</summary>
                <ul class="plain">
                  {s.nextFireTimes.slice(1).map((t) => (
                    <li key={t}>{absoluteTime(t)}</li>
                  ))}
                </ul>
              </details>
            ) : null}
          </>
        )}
      </td>
      <td data-label="Last fire">
        <Time iso={s.lastFireAt} fallback="never" />
      </td>
      <td data-label="If missed" title={missedPolicy(s.missed).detail}>
        {missedPolicy(s.missed).label}
      </td>
      <td data-label="Input" class="wrap">
        {inputPreview(s.input) ? (
          <details>
            <summary class="small">{inputPreview(s.input, 60)}</summary>
            <Json value={s.input} />
          </details>
        ) : (
          <span class="muted">none</span>
        )}
      </td>
      {operate ? (
        <td data-label="Actions">
          {s.deletedAt ? null : s.paused ? (
            <ActionButton label="Resume" busyLabel="Resuming…" busy={action.busy} onClick={() => toggle('Resume')} />
          ) : (
            <ActionButton label="Pause" busyLabel="Pausing…" busy={action.busy} onClick={() => toggle('Pause')} />
          )}
          <ActionError error={action.error} />
        </td>
      ) : null}
    </tr>
  );
}

export function Schedules() {
  useTitle('Schedules');
  const { operate } = useSession();
  const list = useApi<{ schedules: Schedule[] }>('/schedules?nextFireTimes=5', 15_000);
  return (
    <>
      <h1>Schedules</h1>
      <ErrorNote error={list.error} />
      {!list.data ? (
        list.error ? null : <Loading what="schedules" />
      ) : list.data.schedules.length === 0 ? (
        <Empty>
          No schedules. Create one with <code>gaffer schedule create --spec NAME --cron EXPR</code>.
        </Empty>
      ) : (
        <div class="table-wrap">
          <table class="table stack">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Spec</th>
                <th scope="col">Cron</th>
                <th scope="col">State</th>
                <th scope="col">Next fire</th>
                <th scope="col">Last fire</th>
                <th scope="col" title="what happens to fire times missed while no scheduler ran">
                  If missed
                </th>
                <th scope="col">Input</th>
                {operate ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {list.data.schedules.map((s) => (
                <ScheduleRow key={s.id} schedule={s} onChanged={list.reload} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
