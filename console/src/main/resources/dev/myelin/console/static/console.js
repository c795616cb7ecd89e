'use strict';
// The console's page: plain DOM, data put in with textContent only (never as HTML).

const $ = id => document.getElementById(id);
// the access token, typed in once per browser tab (sessionStorage: gone when the tab closes), sent with every request;
// an action (POST) is refused without it
const TOKEN_KEY = 'myelin.console.token';
const ACTION = {};

function useToken(token) {
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    ACTION.Authorization = 'Bearer ' + token;
  } else {
    sessionStorage.removeItem(TOKEN_KEY);
    delete ACTION.Authorization;
  }
}

useToken(sessionStorage.getItem(TOKEN_KEY));

async function api(path, options) {
  const request = Object.assign({}, options || {});
  request.headers = Object.assign({}, ACTION, request.headers || {});
  const response = await fetch('/api/' + path, request);
  const body = await response.json();
  if (!response.ok) {
    throw new Error(body.error || response.statusText);
  }
  return body;
}

function enc(text) {
  return encodeURIComponent(text);
}

function cell(row, content, className) {
  const td = row.insertCell();
  if (content instanceof Node) {
    td.appendChild(content);
  } else {
    td.textContent = content === undefined || content === null ? '' : String(content);
  }
  if (className) {
    td.className = className;
  }
  return td;
}

function json(value) {
  const pre = document.createElement('pre');
  pre.textContent = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return pre;
}

function health(h) {
  const span = document.createElement('span');
  span.className = h.status;
  span.textContent = h.status;
  const wrap = document.createElement('span');
  wrap.appendChild(span);
  if (h.reason) {
    wrap.appendChild(document.createTextNode(' ' + h.reason + (h.since ? ' (since ' + h.since + ')' : '')));
  }
  return wrap;
}

function fill(select, names) {
  const current = select.value;
  if (select.options.length === names.length && [...select.options].every((o, i) => o.value === names[i])) {
    return;
  }
  select.replaceChildren(...names.map(name => new Option(name, name)));
  if (names.includes(current)) {
    select.value = current;
  }
}

function showError(target, error) {
  target.replaceChildren();
  const p = document.createElement('p');
  p.className = 'error';
  p.textContent = error.message;
  target.appendChild(p);
}

// ---- overview, polled every second while shown, and feeding the pages' choices

let overview = null;
let overviewShown = '';

async function refreshOverview() {
  try {
    overview = await api('overview');
    $('status').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    $('status').textContent = 'cannot reach the application: ' + e.message;
    return;
  }
  $('application').textContent = overview.application;
  fill($('aggregate-type'), overview.eventStores.map(s => s.aggregate));
  fill($('projection-name'), overview.projections.map(p => p.name));
  fill($('saga-name'), overview.sagas.map(s => s.name));
  // redraw only what changed: a table redrawn every second loses a person's selection (and a test's rows)
  const shown = JSON.stringify(overview);
  if (shown === overviewShown) {
    return;
  }
  overviewShown = shown;

  $('overview-stores').replaceChildren();
  for (const s of overview.eventStores) {
    const row = $('overview-stores').insertRow();
    cell(row, s.aggregate);
    cell(row, health(s.health));
    cell(row, s.topics.events);
    cell(row, perSecond(s.commandsPerSecond), 'rate');
    cell(row, perSecond(s.eventsPerSecond), 'rate');
    cell(row, s.deadLetters + ' on ' + s.topics.deadLetters);
  }
  $('overview-projections').replaceChildren();
  for (const p of overview.projections) {
    const row = $('overview-projections').insertRow();
    cell(row, p.name);
    cell(row, p.version);
    cell(row, p.state);
    cell(row, health(p.health));
    cell(row, p.lag.error ? p.lag.error : p.lag.records + (p.lag.caughtUp ? ' (caught up)' : ''));
    cell(row, perSecond(p.eventsPerSecond), 'rate');
    cell(row, p.deadLetters);
  }
  // the one place for dead letters: each owner's topic and pending count, opening the list where it is acted on
  $('dead-letter-owners').replaceChildren();
  const owners = [
    ...overview.eventStores.map(s => ['event store', s.aggregate, s.topics.deadLetters, s.deadLetters,
      () => openDeadLetters('#aggregates', 'aggregate-type', s.aggregate, 'command-dead-letters-load')]),
    ...overview.projections.filter(p => p.current !== false).map(p => ['projection', p.name, p.deadLetterTopic, p.deadLetters,
      () => openDeadLetters('#projections', 'projection-name', p.name, 'dead-letters-load')]),
    ...overview.sagas.map(s => ['saga runtime', s.name, s.topics.deadLetters, s.deadLetters,
      () => openDeadLetters('#sagas/' + enc(s.name), 'saga-name', s.name, 'saga-dead-letters-load')])];
  for (const [kind, name, topic, pending, open] of owners) {
    const row = $('dead-letter-owners').insertRow();
    cell(row, kind);
    cell(row, name);
    cell(row, topic);
    cell(row, pending, 'pending');
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'List';
    button.addEventListener('click', open);
    cell(row, button);
  }
  $('overview-sagas').replaceChildren();
  for (const s of overview.sagas) {
    const row = $('overview-sagas').insertRow();
    cell(row, link(s.name, '#sagas/' + enc(s.name)));
    cell(row, health(s.health));
    const counts = s.counts || {};
    for (const status of ['RUNNING', 'COMPENSATING', 'COMPLETED', 'COMPENSATED', 'FAILED']) {
      cell(row, typeof counts === 'string' ? counts : counts[status], status);
    }
    cell(row, s.deadLetters + ' on ' + s.topics.deadLetters);
    cell(row, s.topics.log);
  }
}

// opens a page's dead-letter list for one owner: the page, its owner chosen, its list read
function openDeadLetters(page, select, name, load) {
  location.hash = page;
  $(select).value = name;
  $(load).click();
}

// a rate from the overview: null while there is none (no meter registry, or the first reading)
function perSecond(rate) {
  return rate === null || rate === undefined ? '–' : rate.toFixed(1);
}

function link(text, href) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  return a;
}

// ---- access: read-only, or actions with the token

async function refreshAccess() {
  try {
    const a = await api('access');
    $('access').textContent = !a.actionsEnabled ? 'read-only' : a.authorized ? 'actions enabled' : 'enter the token to act';
    $('access').title = a.howToEnable || '';
    $('token-form').classList.toggle('hidden', !a.actionsEnabled && !a.readsNeedToken);
  } catch (e) {
    $('access').textContent = e.message;
  }
}

$('token-form').addEventListener('submit', event => {
  event.preventDefault();
  useToken($('token').value.trim());
  $('token').value = '';
  refreshAccess();
});

// ---- aggregates

$('aggregate-form').addEventListener('submit', async event => {
  event.preventDefault();
  const target = $('aggregate-result');
  try {
    const a = await api('aggregates/' + enc($('aggregate-type').value) + '/' + enc($('aggregate-id').value));
    target.replaceChildren();
    const h = document.createElement('h3');
    h.textContent = a.aggregate + ' ' + a.id + (a.version === null ? ' has no events' : ' at version ' + a.version);
    target.appendChild(h);
    if (a.state !== null) {
      target.appendChild(json(a.state));
    }
    const table = document.createElement('table');
    const head = table.createTHead().insertRow();
    ['#', 'Type', 'Time', 'Command id', 'Correlation id', 'Payload'].forEach(t => cell(head, t));
    const body = table.createTBody();
    for (const e of a.history) {
      const row = body.insertRow();
      cell(row, e.sequence);
      cell(row, e.type);
      cell(row, e.time);
      // a command a saga sent names it: saga:<saga>:<i|c>:<step>:<saga id>
      const sagaCommand = /^saga:([^:]+):[ic]:[^:]+:(.+)$/.exec(e.commandId || '');
      cell(row, sagaCommand ? link(e.commandId, '#sagas/' + enc(sagaCommand[1]) + '/' + enc(sagaCommand[2])) : e.commandId);
      cell(row, e.correlationId);
      cell(row, json(e.payload));
    }
    const timeline = document.createElement('h3');
    timeline.textContent = 'History';
    target.appendChild(timeline);
    target.appendChild(table);
  } catch (e) {
    showError(target, e);
  }
});

// A dead-letter table with its actions, the same for an event store's commands and a saga runtime's triggers and
// replies: list (ids <prefix>-load, <prefix> for the rows, <prefix>-status), redrive or skip one, or every pending one
// whose error contains the filter (<prefix>-filter, <prefix>-redrive-matching, <prefix>-skip-matching).
function deadLetterSection(prefix, owner, columns) {
  const status = $(prefix + '-status');
  async function load() {
    status.textContent = 'reading…';
    try {
      const o = owner();
      const d = await api(o.path + '/dead-letters');
      $(prefix).replaceChildren();
      for (const l of d.deadLetters) {
        const row = $(prefix).insertRow();
        row.dataset.position = l.position;
        row.dataset.status = l.status;
        for (const value of columns(l)) {
          cell(row, value);
        }
        cell(row, json(l.payload));
        const last = l.actions.length ? l.actions[l.actions.length - 1] : null;
        cell(row, l.status + (last ? ' by ' + last.by + ' at ' + last.at : ''), 'status');
        const actions = document.createElement('span');
        if (l.status === 'PENDING') {
          for (const [label, action] of [['Redrive', 'redrive'], ['Skip', 'skip']]) {
            const button = document.createElement('button');
            button.type = 'button';
            button.textContent = label;
            button.className = action;
            button.addEventListener('click', () => act(o, action, 'positions=' + enc(l.position)));
            actions.appendChild(button);
          }
        }
        cell(row, actions);
      }
      status.textContent = d.deadLetters.length + ' dead letter(s) on ' + d.topic;
    } catch (e) {
      status.textContent = e.message;
    }
  }
  async function act(o, action, which) {
    if (!confirm(action + ' ' + (which === 'all=true' ? 'every pending dead letter' : 'the chosen dead letters') + ' of ' + o.name + '?')) {
      return;
    }
    try {
      const r = await api(o.path + '/dead-letters/' + action + '?' + which, { method: 'POST', headers: ACTION });
      await load();
      status.textContent = (action === 'redrive' ? 'redrove ' + r.redriven : 'skipped ' + r.skipped) + ' dead letter(s); ' + status.textContent;
    } catch (e) {
      status.textContent = e.message;
    }
  }
  $(prefix + '-load').addEventListener('click', load);
  for (const action of ['redrive', 'skip']) {
    $(prefix + '-' + action + '-matching').addEventListener('click', () => {
      const error = $(prefix + '-filter').value;
      act(owner(), action, error ? 'error=' + enc(error) : 'all=true');
    });
  }
  return load;
}

deadLetterSection('command-dead-letters', () => ({ name: $('aggregate-type').value, path: 'event-stores/' + enc($('aggregate-type').value) }),
  l => [l.time, l.aggregateId === null ? '' : l.aggregateId, l.commandId, l.commandType, l.error, l.origin]);

const loadSagaDeadLetters = deadLetterSection('saga-dead-letters',
  () => ({ name: $('saga-name').value, path: 'saga-runtimes/' + enc($('saga-name').value) }),
  l => [l.time, l.kind, l.sagaId || l.key, l.commandId, l.reason, l.error, l.origin]);

// ---- projections

async function refreshProjection() {
  const name = $('projection-name').value;
  if (!name) {
    return;
  }
  const target = $('projection-detail');
  try {
    const p = await api('projections/' + enc(name));
    target.replaceChildren();
    const table = document.createElement('table');
    const add = (label, value) => {
      const row = table.insertRow();
      cell(row, label);
      cell(row, value);
    };
    add('State', p.state);
    add('Health', health(p.health));
    add('Version', p.version);
    add('Application id', p.applicationId);
    add('Sources', p.sourceTopics.join(', '));
    add('Lag (records)', p.lag.error ? p.lag.error : p.lag.records + (p.lag.caughtUp ? ' (caught up)' : ''));
    if (p.lag.partitions) {
      add('Lag by partition', Object.entries(p.lag.partitions).map(([tp, lag]) => tp + ': ' + lag).join(', '));
    }
    add('Dead-letter topic', p.deadLetterTopic);
    if (p.versions && p.versions.length > 1) {
      add('Versions running', p.versions.map(v => 'v' + v.version + (v.current ? ' (read here)' : '') + ': ' + v.state
        + ', lag ' + (v.lag.error ? v.lag.error : v.lag.records + (v.lag.caughtUp ? ' (caught up)' : ''))).join('; '));
    }
    if (p.rebuild) {
      const r = p.rebuild;
      add('Rebuild', 'v' + r.from + ' → v' + r.version + ': ' + r.status + ' (by ' + r.by + ', started ' + r.startedAt
        + (r.endedAt ? ', ended ' + r.endedAt : '') + ')' + (r.error ? ': ' + r.error : ''));
    }
    if (p.failure) {
      add('Failure', p.failure);
    }
    target.appendChild(table);
  } catch (e) {
    showError(target, e);
  }
}

$('projection-name').addEventListener('change', () => {
  refreshProjection();
  $('dead-letters').replaceChildren();
  $('view-result').textContent = '';
});

$('view-form').addEventListener('submit', async event => {
  event.preventDefault();
  try {
    const v = await api('projections/' + enc($('projection-name').value) + '/views/' + enc($('view-key').value));
    $('view-result').textContent = JSON.stringify(v.view, null, 2);
  } catch (e) {
    $('view-result').textContent = e.message;
  }
});

async function loadDeadLetters() {
  const name = $('projection-name').value;
  $('dead-letters-status').textContent = 'reading…';
  try {
    const d = await api('projections/' + enc(name) + '/dead-letters');
    $('dead-letters').replaceChildren();
    for (const l of d.deadLetters) {
      const row = $('dead-letters').insertRow();
      cell(row, l.failedAt);
      cell(row, l.reason);
      cell(row, l.errorClass + (l.errorMessage ? ': ' + l.errorMessage : ''));
      cell(row, l.origin);
      cell(row, l.attempts);
      cell(row, json(l.payload));
      const last = l.actions.length ? l.actions[l.actions.length - 1] : null;
      if (last) {
        cell(row, l.status + ' by ' + last.by + ' at ' + last.at);
      } else {
        const button = document.createElement('button');
        button.textContent = 'Redrive';
        button.addEventListener('click', () => redrive(name, 'origin=' + enc(l.origin)));
        cell(row, button);
      }
    }
    $('dead-letters-status').textContent = d.deadLetters.length + ' dead letter(s) on ' + d.topic;
  } catch (e) {
    $('dead-letters-status').textContent = e.message;
  }
}

async function redrive(name, which) {
  if (!confirm('Redrive ' + (which === 'all=true' ? 'every dead letter' : 'this dead letter') + ' of ' + name + '?')) {
    return;
  }
  try {
    const r = await api('projections/' + enc(name) + '/dead-letters/redrive?' + which, { method: 'POST', headers: ACTION });
    await loadDeadLetters();
    $('dead-letters-status').textContent = 'redrove ' + r.redriven + ' dead letter(s); they stay listed on the topic, with who redrove them';
  } catch (e) {
    $('dead-letters-status').textContent = e.message;
  }
}

$('projection-rebuild').addEventListener('click', async () => {
  const name = $('projection-name').value;
  if (!confirm('Rebuild ' + name + ' as a new version? It folds every event again beside the version running now; '
      + 'the console reads the new version once it has caught up.')) {
    return;
  }
  try {
    const r = await api('projections/' + enc(name) + '/rebuild', { method: 'POST', headers: ACTION });
    $('projection-rebuild-status').textContent = 'rebuilding as version ' + r.version;
    await refreshProjection();
  } catch (e) {
    $('projection-rebuild-status').textContent = e.message;
  }
});

$('dead-letters-load').addEventListener('click', loadDeadLetters);
$('dead-letters-redrive-all').addEventListener('click', () => redrive($('projection-name').value, 'all=true'));

// ---- sagas: the list from the logs, one saga's timeline, the type's diagram with live counts

let sagaTypeShown = '';
let diagramShown = '';
let diagramCount = 0;
let sagaListShown = '';

async function loadSagaType() {
  const name = $('saga-name').value;
  if (!name) {
    return;
  }
  try {
    const s = await api('sagas/' + enc(name));
    $('saga-mermaid').textContent = s.diagram;
    $('saga-counts').textContent = Object.entries(s.counts).map(([status, n]) => n + ' ' + status.toLowerCase()).join(' · ');
    if (sagaTypeShown !== name) {
      sagaTypeShown = name;
      const step = $('saga-step');
      const chosen = step.value;
      step.replaceChildren(new Option('any step', ''), ...s.steps.map(n => new Option(n, n)));
      step.value = s.steps.includes(chosen) ? chosen : '';
    }
    if (s.diagram !== diagramShown) {
      diagramShown = s.diagram;
      await drawDiagram(s.diagram);
    }
  } catch (e) {
    showError($('saga-diagram'), e);
  }
}

async function drawDiagram(source) {
  const target = $('saga-diagram');
  if (typeof mermaid === 'undefined') {
    target.textContent = 'Mermaid did not load: the source is below';
    return;
  }
  try {
    const { svg } = await mermaid.render('saga-svg-' + (++diagramCount), source);
    // Mermaid's own SVG, made with securityLevel 'strict' (labels are text, no scripts or links)
    target.innerHTML = svg;
  } catch (e) {
    target.textContent = 'cannot draw the diagram: ' + e.message;
  }
}

async function loadSagaList() {
  const query = new URLSearchParams();
  query.set('type', $('saga-name').value);
  if ($('saga-status').value) {
    query.set('status', $('saga-status').value);
  }
  if ($('saga-step').value) {
    query.set('step', $('saga-step').value);
  }
  if (Number($('saga-age').value) > 0) {
    query.set('olderThan', String(Math.floor(Number($('saga-age').value))));
  }
  try {
    const l = await api('sagas?' + query);
    const shown = JSON.stringify(l);
    if (shown === sagaListShown) {
      return;
    }
    sagaListShown = shown;
    $('saga-list').replaceChildren();
    for (const s of l.sagas) {
      const row = $('saga-list').insertRow();
      cell(row, link(s.id, '#sagas/' + enc(s.saga) + '/' + enc(s.id)));
      cell(row, s.status, s.status);
      cell(row, s.step);
      cell(row, s.started.replace('T', ' ').substring(0, 19));
      cell(row, s.ageSeconds + ' s');
      cell(row, s.last);
      cell(row, s.reason, s.status === 'FAILED' ? 'reason' : '');
    }
    $('saga-list-status').textContent = l.matched + ' matching' + (l.matched > l.limit ? ', the newest ' + l.limit + ' shown' : '');
  } catch (e) {
    $('saga-list-status').textContent = e.message;
  }
}

// a command on a saga's timeline: its id, then what was sent and the reply it got (decoded, masked), when found
function exchange(command) {
  const wrap = document.createElement('div');
  const title = document.createElement('div');
  title.textContent = (command.compensation ? 'compensation ' : 'command ') + command.id;
  wrap.appendChild(title);
  for (const [label, value] of [['sent', command.sent], ['reply', command.reply]]) {
    if (value === undefined) {
      continue;
    }
    const part = document.createElement('div');
    part.className = 'exchange-' + label;
    const caption = document.createElement('span');
    caption.className = 'muted';
    caption.textContent = label + ': ';
    part.appendChild(caption);
    part.appendChild(value === null ? document.createTextNode(label === 'reply' ? 'none yet' : 'not found') : json(value));
    wrap.appendChild(part);
  }
  return wrap;
}

async function loadSaga(name, id) {
  const target = $('saga-detail');
  try {
    const s = await api('sagas/' + enc(name) + '/' + enc(id));
    target.replaceChildren();
    const h = document.createElement('h3');
    h.textContent = 'Saga ' + s.id + ' of ' + s.saga;
    target.appendChild(h);
    const table = document.createElement('table');
    table.id = 'saga-state';
    const add = (label, value, className) => {
      const row = table.insertRow();
      cell(row, label);
      cell(row, value, className);
    };
    add('Status', s.status, s.status);
    add('Step', s.step + (s.attempt > 1 ? ' (attempt ' + s.attempt + ')' : ''));
    if (s.failureReason) {
      add(s.status === 'FAILED' ? 'Failed because' : 'Reason', s.failureReason, s.status === 'FAILED' ? 'reason' : '');
    }
    if (s.completedSteps) {
      add('Steps done', s.completedSteps.join(', '));
      add('In flight', s.inFlightSteps.join(', '));
      add('Next deadline', s.nextDeadline || 'none');
    }
    add('Data', s.data === null ? 'held by another instance' : json(s.data));
    target.appendChild(table);
    const title = document.createElement('h3');
    title.textContent = 'Timeline';
    target.appendChild(title);
    const timeline = document.createElement('table');
    timeline.id = 'saga-timeline';
    const head = timeline.createTHead().insertRow();
    ['Time', 'What', 'Transition', 'Step', 'Attempt', 'Status', 'Command or detail'].forEach(t => cell(head, t));
    const body = timeline.createTBody();
    for (const e of s.timeline) {
      const row = body.insertRow();
      cell(row, e.at);
      cell(row, e.kind, 'kind-' + e.kind);
      cell(row, e.transition);
      cell(row, e.step);
      cell(row, e.attempt);
      cell(row, e.status, e.status);
      cell(row, e.command ? exchange(e.command) : e.detail);
    }
    target.appendChild(timeline);
  } catch (e) {
    showError(target, e);
  }
}

$('saga-name').addEventListener('change', () => {
  diagramShown = '';
  loadSagaType();
  loadSagaList();
});
['saga-status', 'saga-step', 'saga-age'].forEach(id => $(id).addEventListener('change', loadSagaList));

$('saga-filter').addEventListener('submit', event => {
  event.preventDefault();
  const id = $('saga-id').value.trim();
  if (id) {
    location.hash = '#sagas/' + enc($('saga-name').value) + '/' + enc(id);
  } else {
    loadSagaList();
  }
});

// ---- pages

// a hash is #page, or #sagas/<type> or #sagas/<type>/<id> for one saga's timeline
function route() {
  const parts = (location.hash || '#overview').substring(1).split('/').map(decodeURIComponent);
  return { page: parts[0] || 'overview', args: parts.slice(1) };
}

async function show() {
  const { page, args } = route();
  document.querySelectorAll('.page').forEach(p => p.classList.toggle('active', p.id === 'page-' + page));
  document.querySelectorAll('nav a').forEach(a => a.classList.toggle('active', a.dataset.page === page));
  if (page === 'sagas' && args.length > 0) {
    if (!overview) {
      await refreshOverview();
    }
    $('saga-name').value = args[0];
    $('saga-id').value = args[1] || '';
    diagramShown = '';
    await loadSagaType();
    await loadSagaList();
    if (args.length > 1) {
      await loadSaga(args[0], args[1]);
    } else {
      $('saga-detail').replaceChildren();
    }
  }
}

window.addEventListener('hashchange', show);
show();

async function tick() {
  await refreshOverview();
  const { page } = route();
  if (page === 'projections') {
    await refreshProjection();
  } else if (page === 'sagas') {
    await loadSagaType();
    await loadSagaList();
  }
  setTimeout(tick, 1000);
}

if (typeof mermaid !== 'undefined') {
  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral' });
}
refreshAccess();
tick();
