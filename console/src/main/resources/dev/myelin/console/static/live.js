'use strict';
// Live views: each committed change of a view, pushed by the console as server-sent events.

let liveSource = null;

function stopLive(message) {
  if (liveSource) {
    liveSource.close();
    liveSource = null;
  }
  $('live-status').textContent = message || 'stopped';
}

function showChange(kind, change) {
  const row = $('live-changes').insertRow(0);
  cell(row, kind === 'current' ? 'now' : change.timestamp);
  cell(row, change.key);
  cell(row, json(change.view));
  if (change.missedBefore > 0) {
    cell(row, change.missedBefore + ' change(s) missed before this one (too slow)');
  }
  while ($('live-changes').rows.length > 100) {
    $('live-changes').deleteRow(-1);
  }
}

$('live-form').addEventListener('submit', event => {
  event.preventDefault();
  stopLive();
  const name = $('projection-name').value;
  const key = $('live-key').value;
  $('live-changes').replaceChildren();
  liveSource = new EventSource('/api/projections/' + enc(name) + '/live' + (key ? '?key=' + enc(key) : ''));
  liveSource.addEventListener('current', e => showChange('current', JSON.parse(e.data)));
  liveSource.addEventListener('change', e => showChange('change', JSON.parse(e.data)));
  liveSource.addEventListener('error', e => {
    if (e.data) {
      stopLive(JSON.parse(e.data).error);
    }
  });
  liveSource.onopen = () => { $('live-status').textContent = 'watching ' + name + (key ? ' ' + key : ''); };
});
$('live-stop').addEventListener('click', () => stopLive());
