/**
 * The task list: newest first, filtered by status and spec (kept in the hash, so a filtered
 * view can be linked), a page at a time with the API's `next` cursor.
 */
import { query } from '../api.js';
import { Empty, ErrorNote, IdLink, Loading, Status, Time } from '../components/common.js';
import { useApi, useTitle } from '../components/hooks.js';
import { Pager, usePages } from '../components/Pager.js';
import { shortId } from '../lib/format.js';
import { inputPreview, statusWord } from '../lib/words.js';
import { href } from '../router.js';
import { TASK_STATUSES, type Schedule, type SpecVersion, type Task } from '../types.js';

const PAGE_SIZE = 50;

function setFilter(params: URLSearchParams, key: string, value: string): void {
  const next = new URLSearchParams(params);
  if (value) next.set(key, value);
  else next.delete(key);
  next.delete('cursor');
  const q = next.toString();
  location.hash = `#/tasks${q ? `?${q}` : ''}`;
}

export function TasksPage({ params }: { params: URLSearchParams }) {
  useTitle('Tasks');
  const status = params.get('status') ?? '';
  const spec = params.get('spec') ?? '';
  const kind = params.get('kind') ?? '';
  const schedule = params.get('schedule') ?? '';
  const pages = usePages(`${status}|${spec}|${kind}|${schedule}`);
  const cursor = pages.cursor;
  const tasks = useApi<{ tasks: Task[]; next: string | null }>(`/tasks${query({ status, spec, kind, scheduleId: schedule, limit: PAGE_SIZE, cursor })}`, cursor ? undefined : 5000);
  const specs = useApi<{ specs: SpecVersion[] }>('/specs');
  const scheduleName = useApi<Schedule>(schedule ? `/schedules/${encodeURIComponent(schedule)}` : null).data?.name;

  return (
    <>
      <div class="page-head">
        <h1>Tasks</h1>
        <a href="#/runs" class="small">
          All runs, also those agents record outside tasks →
        </a>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter tasks">
        <div class="field inline">
          <label for="f-status">Status</label>
          <select id="f-status" value={status} onChange={(e) => setFilter(params, 'status', (e.currentTarget as HTMLSelectElement).value)}>
            <option value="">any</option>
            {TASK_STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusWord(s)}
              </option>
            ))}
          </select>
        </div>
        <div class="field inline">
          <label for="f-spec">Spec</label>
          <select id="f-spec" value={spec} onChange={(e) => setFilter(params, 'spec', (e.currentTarget as HTMLSelectElement).value)}>
            <option value="">any</option>
            {(specs.data?.specs ?? []).map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
            {spec && specs.data && !specs.data.specs.some((s) => s.name === spec) ? <option value={spec}>{spec}</option> : null}
          </select>
        </div>
        <div class="field inline">
          <label for="f-kind">Kind</label>
          <select id="f-kind" value={kind} onChange={(e) => setFilter(params, 'kind', (e.currentTarget as HTMLSelectElement).value)}>
            <option value="">any</option>
            <option value="work">work</option>
            <option value="reminder">reminder</option>
            <option value="delivery">delivery</option>
          </select>
        </div>
        {schedule ? (
          <span class="chip" title={schedule}>
            from schedule {scheduleName ? <strong>{scheduleName}</strong> : <span class="mono">{shortId(schedule)}</span>}
          </span>
        ) : null}
        {status || spec || kind || schedule ? (
          <a class="btn small" href="#/tasks">
            Clear filters
          </a>
        ) : null}
      </form>
      <ErrorNote error={tasks.error} />
      {!tasks.data ? (
        tasks.error ? null : <Loading what="tasks" />
      ) : tasks.data.tasks.length === 0 ? (
        <Empty>No tasks{status || spec || kind || schedule ? ' match these filters' : ' yet'}.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="table stack">
            <thead>
              <tr>
                <th scope="col">Task</th>
                <th scope="col">Status</th>
                <th scope="col">Spec</th>
                <th scope="col">Attempt</th>
                <th scope="col">Priority</th>
                <th scope="col">Created</th>
                <th scope="col">Finished</th>
                <th scope="col">By</th>
              </tr>
            </thead>
            <tbody>
              {tasks.data.tasks.map((t) => (
                <tr key={t.id}>
                  <td data-label="Task">
                    <IdLink kind="tasks" id={t.id} />
                  </td>
                  <td data-label="Status">
                    <Status status={t.status} />
                    {t.failureClass ? <span class="badge fc">{t.failureClass}</span> : null}
                  </td>
                  <td data-label="Spec">
                    {t.spec ? (
                      <a href={href('specs', t.spec)}>
                        {t.spec} <span class="muted">v{t.specVersion}</span>
                      </a>
                    ) : (
                      <span class="muted">{t.kind}</span>
                    )}
                    {inputPreview(t.input) ? (
                      <div class="muted small input-preview" title={inputPreview(t.input, 1000)}>
                        {inputPreview(t.input)}
                      </div>
                    ) : null}
                  </td>
                  <td data-label="Attempt" class="num">
                    {t.attempt}/{t.maxAttempts}
                  </td>
                  <td data-label="Priority" class="num">
                    {t.priority}
                  </td>
                  <td data-label="Created">
                    <Time iso={t.createdAt} />
                  </td>
                  <td data-label="Finished">
                    <Time iso={t.finishedAt} />
                  </td>
                  <td data-label="By" class="mono small">
                    {t.createdBy}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager pages={pages} next={tasks.data?.next} />
    </>
  );
}
