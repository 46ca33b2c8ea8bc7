/**
 * Specs and profiles: the latest version of each, and per name every version with what changed
 * between any two (a diff of their definitions, computed here).
 */
import { useState } from 'preact/hooks';
import { isMissing } from '../api.js';
import { Crumbs, Empty, ErrorNote, Json, Loading, NotFound, Section, Time } from '../components/common.js';
import { useApi, useTitle } from '../components/hooks.js';
import { diffJson, type JsonChange } from '../lib/jsonDiff.js';
import { preview } from '../lib/format.js';
import { plural } from '../lib/words.js';
import { href } from '../router.js';
import type { ProfileVersion, SpecVersion } from '../types.js';

export function SpecsPage() {
  useTitle('Specs & profiles');
  const specs = useApi<{ specs: SpecVersion[] }>('/specs');
  const profiles = useApi<{ profiles: ProfileVersion[] }>('/profiles');
  return (
    <>
      <h1>Specs &amp; profiles</h1>
      <Section title="Specs">
        <ErrorNote error={specs.error} />
        {!specs.data ? (
          specs.error ? null : <Loading what="specs" />
        ) : specs.data.specs.length === 0 ? (
          <Empty>
            No specs. Apply one with <code>gaffer spec apply FILE</code>.
          </Empty>
        ) : (
          <div class="table-wrap">
            <table class="table stack">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Latest</th>
                  <th scope="col">Executor</th>
                  <th scope="col">Description</th>
                  <th scope="col">Applied</th>
                </tr>
              </thead>
              <tbody>
                {specs.data.specs.map((s) => (
                  <tr key={s.specId}>
                    <td data-label="Name">
                      <a href={href('specs', s.name)} class="strong">
                        {s.name}
                      </a>
                    </td>
                    <td data-label="Latest" class="num">
                      v{s.version}
                    </td>
                    <td data-label="Executor">{s.executor}</td>
                    <td data-label="Description" class="wrap">
                      {s.description ?? <span class="muted">—</span>}
                    </td>
                    <td data-label="Applied">
                      <Time iso={s.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <Section title="Profiles">
        <ErrorNote error={profiles.error} />
        {!profiles.data ? (
          profiles.error ? null : <Loading what="profiles" />
        ) : profiles.data.profiles.length === 0 ? (
          <Empty>
            No profiles. Apply one with <code>gaffer spec apply FILE</code> (a file may hold profiles and specs).
          </Empty>
        ) : (
          <div class="table-wrap">
            <table class="table stack">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Latest</th>
                  <th scope="col">Model</th>
                  <th scope="col">Description</th>
                  <th scope="col">Applied</th>
                </tr>
              </thead>
              <tbody>
                {profiles.data.profiles.map((p) => (
                  <tr key={p.profileId}>
                    <td data-label="Name">
                      <a href={href('profiles', p.name)} class="strong">
                        {p.name}
                      </a>
                    </td>
                    <td data-label="Latest" class="num">
                      v{p.version}
                    </td>
                    <td data-label="Model" class="mono">
                      {p.model}
                    </td>
                    <td data-label="Description" class="wrap">
                      {p.description ?? <span class="muted">—</span>}
                    </td>
                    <td data-label="Applied">
                      <Time iso={p.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
    </>
  );
}

type AnyVersion = SpecVersion | ProfileVersion;

function ChangeTable({ changes }: { changes: JsonChange[] }) {
  if (changes.length === 0)
    return (
      <div data-testid="version-diff">
        <Empty>The two definitions are the same.</Empty>
      </div>
    );
  return (
    <div class="table-wrap" data-testid="version-diff">
      <table class="table stack changes">
        <thead>
          <tr>
            <th scope="col">Path</th>
            <th scope="col">Change</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((c) => (
            <tr key={c.path} class={`ch-${c.kind}`}>
              <td data-label="Path" class="mono wrap">
                {c.path}
              </td>
              <td data-label="Change">
                <span class={`badge ch ch-${c.kind}`}>{c.kind}</span>
              </td>
              <td data-label="Before" class="mono small wrap">
                {c.kind === 'added' ? <span class="muted">—</span> : preview(c.before, 400)}
              </td>
              <td data-label="After" class="mono small wrap">
                {c.kind === 'removed' ? <span class="muted">—</span> : preview(c.after, 400)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function DefinitionPage({ kind, name }: { kind: 'specs' | 'profiles'; name: string }) {
  const noun = kind === 'specs' ? 'Spec' : 'Profile';
  useTitle(`${noun} ${name}`);
  const versions = useApi<{ versions: AnyVersion[] }>(`/${kind}/${encodeURIComponent(name)}/versions`);
  const list = versions.data?.versions ?? [];
  const newest = list[0]?.version;
  const [fromV, setFromV] = useState<number | undefined>();
  const [toV, setToV] = useState<number | undefined>();
  const to = list.find((v) => v.version === (toV ?? newest));
  const from = list.find((v) => v.version === (fromV ?? (to ? to.version - 1 : undefined)));

  if (!versions.data && isMissing(versions.error)) {
    return (
      <NotFound back="#/specs" backLabel="All specs and profiles">
        No {noun.toLowerCase()} named <code>{name}</code>.
      </NotFound>
    );
  }

  return (
    <>
      <Crumbs items={[['#/specs', 'Specs & profiles']]} />
      <h1>
        {noun} <span class="mono">{name}</span>
      </h1>
      <ErrorNote error={versions.error} />
      {!versions.data ? (
        versions.error ? null : <Loading what="versions" />
      ) : (
        <>
          {kind === 'specs' ? (
            <p>
              <a href={`#/tasks?spec=${encodeURIComponent(name)}`}>Tasks of this spec</a>
            </p>
          ) : null}
          <Section title={`Versions (${list.length})`}>
            <div class="table-wrap">
              <table class="table stack">
                <thead>
                  <tr>
                    <th scope="col">Version</th>
                    <th scope="col">{kind === 'specs' ? 'Executor' : 'Model'}</th>
                    <th scope="col">Description</th>
                    <th scope="col">Applied</th>
                    <th scope="col">By</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((v) => (
                    <tr key={v.version}>
                      <td data-label="Version" class="num">
                        v{v.version}
                      </td>
                      <td data-label={kind === 'specs' ? 'Executor' : 'Model'} class="mono">
                        {'executor' in v ? v.executor : v.model}
                      </td>
                      <td data-label="Description" class="wrap">
                        {v.description ?? <span class="muted">—</span>}
                      </td>
                      <td data-label="Applied">
                        <Time iso={v.createdAt} />
                      </td>
                      <td data-label="By" class="mono small">
                        {v.createdBy}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Section>
          {list.length > 1 ? (
            <Section title="What changed">
              <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Versions to compare">
                <div class="field inline">
                  <label for="v-from">From</label>
                  <select id="v-from" value={String(from?.version ?? '')} onChange={(e) => setFromV(Number((e.currentTarget as HTMLSelectElement).value))}>
                    {list.map((v) => (
                      <option key={v.version} value={String(v.version)}>
                        v{v.version}
                      </option>
                    ))}
                  </select>
                </div>
                <div class="field inline">
                  <label for="v-to">To</label>
                  <select id="v-to" value={String(to?.version ?? '')} onChange={(e) => setToV(Number((e.currentTarget as HTMLSelectElement).value))}>
                    {list.map((v) => (
                      <option key={v.version} value={String(v.version)}>
                        v{v.version}
                      </option>
                    ))}
                  </select>
                </div>
              </form>
              {from && to ? (
                <>
                  <p class="small muted">
                    v{from.version} → v{to.version}: {plural(diffJson(from.definition, to.definition).length, 'change')} in the definition
                  </p>
                  <ChangeTable changes={diffJson(from.definition, to.definition)} />
                </>
              ) : null}
            </Section>
          ) : list.length === 1 ? (
            <Section title="What changed">
              <p data-testid="one-version">
                There is one version, so nothing to compare yet. A new version is made when a changed definition is applied: edit the {noun.toLowerCase()} and run{' '}
                <code>gaffer spec apply FILE</code>, or send it to <code>POST /api/v1/{kind}</code>. Applying the same definition again makes no new version.
              </p>
            </Section>
          ) : null}
          {to ? (
            <Section title={`Definition v${to.version}`}>
              <Json value={to.definition} label={`definition v${to.version}`} />
            </Section>
          ) : (
            <Empty>No versions.</Empty>
          )}
        </>
      )}
    </>
  );
}
