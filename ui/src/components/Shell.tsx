/**
 * The frame around every page: skip link, navigation, who is signed in, and the page. After a
 * client-side navigation the page's heading takes the focus, so keyboard and screen-reader users
 * start on the new page instead of on the link they left.
 */
import { useEffect, useRef } from 'preact/hooks';
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
import { NotFound } from './common.js';

const NAV: { label: string; href: string; pages: Route['page'][] }[] = [
  { label: 'Overview', href: '#/', pages: ['overview'] },
  { label: 'Tasks', href: '#/tasks', pages: ['tasks', 'task'] },
  { label: 'Runs', href: '#/runs', pages: ['runs', 'run'] },
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
    case 'not_found': {
      // The nearest list ("#/approvals/x" → Approvals), else the overview.
      const list = NAV.find((n) => n.href !== '#/' && route.path.startsWith(n.href.slice(1)));
      return (
        <NotFound back={list?.href ?? '#/'} backLabel={list?.label ?? 'Overview'}>
          There is no page at <code>{route.path}</code>.
        </NotFound>
      );
    }
  }
}

function routeKey(route: Route): string {
  switch (route.page) {
    case 'task':
    case 'run':
      return `${route.page}:${route.id}`;
    case 'spec':
    case 'profile':
      return `${route.page}:${route.name}`;
    case 'not_found':
      return `${route.page}:${route.path}`;
    default:
      return route.page;
  }
}

/** How long after a navigation a page may still swap its heading (loading → loaded) and keep the focus on it. */
const FOCUS_FOLLOW_MS = 3000;

/**
 * Moves the focus to `main h1` (made focusable with tabindex=-1) when the route changes, not on
 * the first render. A page that replaces its heading once its data arrives would drop the focus
 * to <body>; for a moment after the navigation the new heading takes it back.
 */
function useFocusHeading(routeKey: string): void {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const main = document.getElementById('main');
    if (!main) return;
    const focusHeading = (): void => {
      const h1 = main.querySelector('h1');
      if (!h1) return;
      if (!h1.hasAttribute('tabindex')) h1.setAttribute('tabindex', '-1');
      h1.focus({ preventScroll: true });
    };
    focusHeading();
    // Only a focus that was lost is taken back: one the user moved on (a filter, the nav) stays.
    const observer = new MutationObserver(() => {
      if (!document.activeElement || document.activeElement === document.body) focusHeading();
    });
    observer.observe(main, { childList: true, subtree: true });
    const timer = setTimeout(() => observer.disconnect(), FOCUS_FOLLOW_MS);
    return () => {
      clearTimeout(timer);
      observer.disconnect();
    };
  }, [routeKey]);
}

export function Shell({ me, onSignOut }: { me: Principal; onSignOut(): void }) {
  const route = useRoute();
  // A new page, not a new filter: changing a list's filter keeps the focus on the filter.
  useFocusHeading(routeKey(route));
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
