/** The frame around every page: skip link, navigation, who is signed in, and the page. */
import type { Principal } from '../types.js';
import { type Route, useRoute } from '../router.js';
import { Approvals } from '../pages/Approvals.js';
import { Escalations } from '../pages/Escalations.js';
import { Overview } from '../pages/Overview.js';
import { RunPage } from '../pages/Run.js';
import { RunsPage } from '../pages/Runs.js';
import { Schedules } from '../pages/Schedules.js';
import { DefinitionPage, SpecsPage } from '../pages/Specs.js';
import { TaskPage } from '../pages/Task.js';
import { TasksPage } from '../pages/Tasks.js';

const NAV: { label: string; href: string; pages: Route['page'][] }[] = [
  { label: 'Overview', href: '#/', pages: ['overview'] },
  { label: 'Tasks', href: '#/tasks', pages: ['tasks', 'task', 'run', 'runs'] },
  { label: 'Approvals', href: '#/approvals', pages: ['approvals'] },
  { label: 'Escalations', href: '#/escalations', pages: ['escalations'] },
  { label: 'Schedules', href: '#/schedules', pages: ['schedules'] },
  { label: 'Specs & profiles', href: '#/specs', pages: ['specs', 'spec', 'profile'] },
];

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'overview':
      return <Overview />;
    case 'tasks':
      return <TasksPage params={route.params} />;
    case 'task':
      return <TaskPage key={route.id} id={route.id} />;
    case 'run':
      return <RunPage key={route.id} id={route.id} />;
    case 'runs':
      return <RunsPage params={route.params} />;
    case 'approvals':
      return <Approvals params={route.params} />;
    case 'escalations':
      return <Escalations params={route.params} />;
    case 'schedules':
      return <Schedules />;
    case 'specs':
      return <SpecsPage />;
    case 'spec':
      return <DefinitionPage key={`s:${route.name}`} kind="specs" name={route.name} />;
    case 'profile':
      return <DefinitionPage key={`p:${route.name}`} kind="profiles" name={route.name} />;
    case 'not_found':
      return (
        <>
          <h1>Not found</h1>
          <p>
            There is no page at <code>{route.path}</code>. <a href="#/">Go to the overview</a>.
          </p>
        </>
      );
  }
}

export function Shell({ me, onSignOut }: { me: Principal; onSignOut(): void }) {
  const route = useRoute();
  return (
    <div class="app">
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          // Keep the route: focus the content instead of following the hash.
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="#/">
          <span class="brand-mark" aria-hidden="true">
            G
          </span>
          Gaffer
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.href}>
                <a href={item.href} aria-current={item.pages.includes(route.page) ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span data-testid="whoami" title={`token id ${me.id}`}>
            <span class="who-name">{me.name}</span> <span class={`scope scope-${me.scope}`}>{me.scope}</span>
          </span>
          <button type="button" class="btn small" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </div>
  );
}
