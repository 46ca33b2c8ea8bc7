import { useState } from 'preact/hooks';
import { api, ApiError, canOperate, type Principal } from '../api.js';
import { jsonDiff } from '../diff.js';
import type { Schedule, Version } from '../types.js';
import { ErrorBox, Json, Loading, Section, Status, Time, useLoad } from '../ui.js';

export function Schedules({ me }: { me: Principal | null }) {
  const list = useLoad(() => api<{ schedules: Schedule[] }>('/schedules'), [], 5000);
  const [error, setError] = useState<string | undefined>();
  const toggle = async (s: Schedule): Promise<void> => {
    try {
      await api(`/schedules/${s.id}/${s.paused ? 'resume' : 'pause'}`, { method: 'POST', body: {} });
      list.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <>
      <h1>Schedules</h1>
      <ErrorBox error={list.error ?? error} />
      {!list.data ? (
        <Loading what="schedules" />
      ) : list.data.schedules.length === 0 ? (
        <p class="muted">No schedules.</p>
      ) : (
        list.data.schedules.map((s) => (
          <article key={s.id} class="card" data-testid="schedule">
            <header class="card-h">
              <h2>{s.name}</h2>
              <Status status={s.paused ? 'paused' : 'active'} />
            </header>
            <p>
              spec <a href={`#/specs/${s.spec}`}>{s.spec}</a> · <code>{s.cron}</code> ({s.timezone}) · missed runs: {s.missed}
            </p>
            <p>
              next: {s.paused ? <span class="muted">paused</span> : <Time iso={s.nextFireAt} />}
              {s.nextFireTimes.length ? <span class="muted"> ({s.nextFireTimes.map((t) => new Date(t).toLocaleTimeString()).join(', ')})</span> : null} · last: <Time iso={s.lastFireAt} /> ·{' '}
              <a href={`#/tasks?schedule=${s.id}`}>tasks</a>
            </p>
            {canOperate(me) ? (
              <button type="button" onClick={() => void toggle(s)}>
                {s.paused ? 'Resume' : 'Pause'}
              </button>
            ) : null}
          </article>
        ))
      )}
    </>
  );
}

export function Specs() {
  const specs = useLoad(() => api<{ specs: Version[] }>('/specs'), []);
  const profiles = useLoad(() => api<{ profiles: Version[] }>('/profiles'), []);
  return (
    <>
      <h1>Specs &amp; profiles</h1>
      <ErrorBox error={specs.error ?? profiles.error} />
      <div class="grid2">
        <Section title="Specs">
          <ul class="plain">
            {(specs.data?.specs ?? []).map((s) => (
              <li key={s.name}>
                <a href={`#/specs/${s.name}`}>{s.name}</a> v{s.version} <span class="muted">{s.description}</span>
              </li>
            ))}
          </ul>
        </Section>
        <Section title="Profiles">
          <ul class="plain">
            {(profiles.data?.profiles ?? []).map((p) => (
              <li key={p.name}>
                <a href={`#/profiles/${p.name}`}>{p.name}</a> v{p.version} <span class="muted">{p.description}</span>
              </li>
            ))}
          </ul>
        </Section>
      </div>
    </>
  );
}

/** A spec's or profile's versions, and what changed between two of them. */
export function Versions({ kind, name }: { kind: 'specs' | 'profiles'; name: string }) {
  const list = useLoad(() => api<{ versions: Version[] }>(`/${kind}/${encodeURIComponent(name)}/versions`), [kind, name]);
  const versions = list.data?.versions ?? [];
  const [from, setFrom] = useState<number | undefined>();
  const [to, setTo] = useState<number | undefined>();
  const newest = versions[0]?.version;
  const b = versions.find((v) => v.version === (to ?? newest));
  const a = versions.find((v) => v.version === (from ?? (b ? b.version - 1 : undefined)));
  const changes = a && b ? jsonDiff(a.definition, b.definition) : [];
  return (
    <>
      <h1>
        {kind === 'specs' ? 'Spec' : 'Profile'} {name}
      </h1>
      <ErrorBox error={list.error} />
      {!list.data ? <Loading what="versions" /> : null}
      <Section title={`Versions (${versions.length})`}>
        <ol class="plain">
          {versions.map((v) => (
            <li key={v.version}>
              v{v.version} <Time iso={v.createdAt} /> {v.createdBy ? <span class="muted">by {v.createdBy}</span> : null}
            </li>
          ))}
        </ol>
      </Section>
      {versions.length > 1 ? (
        <Section title="What changed">
          <form class="filters" onSubmit={(e) => e.preventDefault()}>
            <label>
              From
              <select value={a?.version} onChange={(e) => setFrom(Number(e.currentTarget.value))}>
                {versions.map((v) => (
                  <option key={v.version} value={v.version}>
                    v{v.version}
                  </option>
                ))}
              </select>
            </label>
            <label>
              To
              <select value={b?.version} onChange={(e) => setTo(Number(e.currentTarget.value))}>
                {versions.map((v) => (
                  <option key={v.version} value={v.version}>
                    v{v.version}
                  </option>
                ))}
              </select>
            </label>
          </form>
          {changes.length === 0 ? (
            <p class="muted">No differences.</p>
          ) : (
            <table data-testid="version-diff">
              <thead>
                <tr>
                  <th>field</th>
                  <th>v{a?.version}</th>
                  <th>v{b?.version}</th>
                </tr>
              </thead>
              <tbody>
                {changes.map((c) => (
                  <tr key={c.path} class={`c-${c.kind}`}>
                    <td>
                      <code>{c.path}</code> <span class="muted">{c.kind}</span>
                    </td>
                    <td>
                      <code>{c.before === undefined ? '' : JSON.stringify(c.before)}</code>
                    </td>
                    <td>
                      <code>{c.after === undefined ? '' : JSON.stringify(c.after)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
      ) : null}
      {versions[0] ? (
        <Section title={`Definition (v${versions[0].version})`}>
          <Json value={versions[0].definition} />
        </Section>
      ) : null}
    </>
  );
}
