/**
 * The approvals inbox: what waits for a person (task approvals, and proposed patches with their
 * diff), decided with a note. A decided approval leaves the list and a link to its task stays.
 */
import { useState } from 'preact/hooks';
import { query } from '../api.js';
import { ArtifactDiff } from '../components/Artifact.js';
import { Empty, ErrorNote, Facts, Loading, Status, Time } from '../components/common.js';
import { DecideApproval } from '../components/Decide.js';
import { useApi, useTitle } from '../components/hooks.js';
import { InputView } from '../components/Outcome.js';
import { Pager, usePages } from '../components/Pager.js';
import { shortId } from '../lib/format.js';
import { href } from '../router.js';
import { useSession } from '../session.js';
import type { InboxApproval } from '../types.js';

const PAGE_SIZE = 50;
const STATUSES = ['pending', 'approved', 'rejected', 'cancelled', 'all'] as const;

/** A proposed patch lists its files as paths (or as objects with line counts). */
type PatchFile = string | { path?: string; status?: string; additions?: number; deletions?: number };

function ApprovalCard({ approval, onDecided }: { approval: InboxApproval; onDecided(decision: string): void }) {
  const { operate } = useSession();
  // The list carries each approval's task (spec, status, input): the card renders whole at once,
  // with no request of its own, so its Approve button never shows before what it approves.
  const t = approval.task;
  const req = approval.request ?? {};
  const spec = typeof req.spec === 'string' ? req.spec : t?.spec?.name;
  const specVersion = typeof req.specVersion === 'number' ? req.specVersion : t?.spec?.version;
  const files = Array.isArray(req.files) ? (req.files as PatchFile[]) : [];
  const patchSha = typeof req.patchSha256 === 'string' ? req.patchSha256 : undefined;
  const what = approval.kind === 'patch' ? 'Proposed patch' : approval.kind === 'tool_call' ? 'Tool call' : 'Task';
  return (
    <article class="card" data-testid="approval" aria-labelledby={`ap-${approval.id}`}>
      <header class="card-head">
        <h2 id={`ap-${approval.id}`}>
          {spec ? (
            <>
              {what} for <a href={href('specs', spec)}>{spec}</a>
              {specVersion ? <span class="muted"> v{specVersion}</span> : null}
            </>
          ) : (
            what
          )}
        </h2>
        <Status status={approval.status} />
      </header>
      <Facts
        rows={[
          ['Task', <a href={href('tasks', approval.taskId)} class="mono">{approval.taskId}</a>, 'wide'],
          ['Task status', t ? <Status status={t.status} /> : 'deleted'],
          ['Why', typeof req.reason === 'string' ? req.reason : approval.kind === 'patch' ? 'the task ran in propose mode: its changes wait for a person' : null],
          ['Summary', typeof req.summary === 'string' ? req.summary : null],
          ['Requested', <Time iso={approval.requestedAt} />],
          ['Attempt', typeof req.attempt === 'number' ? String(req.attempt) : null],
          ['Run', typeof req.runId === 'string' ? <a href={href('runs', req.runId)} class="mono">{shortId(req.runId)}</a> : null],
          ['Decided', approval.decidedAt ? <><Time iso={approval.decidedAt} /> by <span class="mono">{approval.decidedBy}</span></> : null],
          ['Note', approval.note],
        ]}
      />
      {t ? (
        <div class="approval-input">
          <h3>What the task is asked to do</h3>
          <InputView input={t.input} />
        </div>
      ) : null}
      {files.length ? (
        <ul class="files" aria-label="files the patch changes">
          {files.map((f, i) =>
            typeof f === 'string' ? (
              <li key={f} class="mono small">
                {f}
              </li>
            ) : (
              <li key={f.path ?? i} class="mono small">
                {f.status ?? 'changed'} {f.path} <span class="add">+{f.additions ?? 0}</span> <span class="del">−{f.deletions ?? 0}</span>
              </li>
            ),
          )}
        </ul>
      ) : null}
      {patchSha ? <ArtifactDiff sha256={patchSha} /> : null}
      {approval.status === 'pending' && operate ? <DecideApproval approval={approval} onDecided={(_, decision) => onDecided(decision)} /> : null}
    </article>
  );
}

export function Approvals({ params }: { params: URLSearchParams }) {
  useTitle('Approvals');
  const status = params.get('status') ?? 'pending';
  const pages = usePages(status);
  const list = useApi<{ approvals: InboxApproval[]; next: string | null }>(
    `/approvals${query({ status: status === 'all' ? undefined : status, limit: PAGE_SIZE, cursor: pages.cursor })}`,
    pages.cursor ? undefined : 5000,
  );
  const [decided, setDecided] = useState<{ id: string; taskId: string; decision: string }[]>([]);
  const gone = new Set(decided.map((d) => d.id));
  const shown = (list.data?.approvals ?? []).filter((a) => !(status === 'pending' && gone.has(a.id)));
  return (
    <>
      <div class="page-head">
        <h1>Approvals</h1>
        <div class="field inline">
          <label for="ap-status">Status</label>
          <select id="ap-status" value={status} onChange={(e) => (location.hash = `#/approvals?status=${(e.currentTarget as HTMLSelectElement).value}`)}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
      </div>
      {decided.length ? (
        <ul class="notices" aria-live="polite">
          {decided.map((d) => (
            <li key={d.id} class="notice">
              {d.decision === 'approved' ? 'Approved' : 'Rejected'}: <a href={href('tasks', d.taskId)}>task {shortId(d.taskId)}</a>
            </li>
          ))}
        </ul>
      ) : null}
      <ErrorNote error={list.error} />
      {!list.data ? (
        list.error ? null : <Loading what="approvals" />
      ) : shown.length === 0 ? (
        <Empty>{status === 'pending' ? 'Nothing waits for approval.' : `No ${status === 'all' ? '' : `${status} `}approvals.`}</Empty>
      ) : (
        <div class="cards">
          {shown.map((a) => (
            <ApprovalCard
              key={a.id}
              approval={a}
              onDecided={(decision) => {
                setDecided((d) => [{ id: a.id, taskId: a.taskId, decision }, ...d]);
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
