/**
 * The escalations inbox: tasks Gaffer could not finish, each as an EscalationCard (evidence,
 * options with estimates; acknowledge, resolve with an option, or dismiss, with a note). The
 * escalated task's own page shows the same card.
 */
import { useState } from 'preact/hooks';
import { query } from '../api.js';
import { Empty, ErrorNote, Loading } from '../components/common.js';
import { EscalationCard, type EscalationNotice } from '../components/EscalationCard.js';
import { useApi, useTitle } from '../components/hooks.js';
import { Pager, usePages } from '../components/Pager.js';
import { shortId } from '../lib/format.js';
import { href } from '../router.js';
import type { Escalation } from '../types.js';

const PAGE_SIZE = 50;
const FILTERS = ['active', 'open', 'acknowledged', 'resolved', 'dismissed', 'all'] as const;

export function Escalations({ params }: { params: URLSearchParams }) {
  useTitle('Escalations');
  const filter = params.get('status') ?? 'active';
  const pages = usePages(filter);
  const status = filter === 'active' ? 'open,acknowledged' : filter === 'all' ? undefined : filter;
  const list = useApi<{ escalations: Escalation[]; next: string | null }>(
    `/escalations${query({ status, limit: PAGE_SIZE, cursor: pages.cursor })}`,
    pages.cursor ? undefined : 5000,
  );
  const [done, setDone] = useState<EscalationNotice[]>([]);
  const shown = list.data?.escalations ?? [];
  return (
    <>
      <div class="page-head">
        <h1>Escalations</h1>
        <div class="field inline">
          <label for="es-status">Status</label>
          <select id="es-status" value={filter} onChange={(e) => (location.hash = `#/escalations?status=${(e.currentTarget as HTMLSelectElement).value}`)}>
            {FILTERS.map((s) => (
              <option key={s} value={s}>
                {s === 'active' ? 'open or acknowledged' : s}
              </option>
            ))}
          </select>
        </div>
      </div>
      {done.length ? (
        <ul class="notices" aria-live="polite">
          {done.map((d, i) => (
            <li key={`${d.id}-${i}`} class="notice">
              {d.what}: {d.retried ? 'the task is queued for another attempt — ' : ''}
              <a href={href('tasks', d.taskId)}>{d.retried ? 'follow' : 'open'} task {shortId(d.taskId)}</a>
            </li>
          ))}
        </ul>
      ) : null}
      <ErrorNote error={list.error} />
      {!list.data ? (
        list.error ? null : <Loading what="escalations" />
      ) : shown.length === 0 ? (
        <Empty>{filter === 'active' ? 'Nothing is escalated. Tasks Gaffer cannot finish land here with their evidence.' : 'No escalations with this status.'}</Empty>
      ) : (
        <div class="cards">
          {shown.map((e) => (
            <EscalationCard
              key={e.id}
              escalation={e}
              onChanged={(notice) => {
                setDone((d) => [notice, ...d]);
                list.reload();
              }}
            />
          ))}
        </div>
      )}
      <Pager pages={pages} next={list.data?.next} />
    </>
  );
}
