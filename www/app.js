// The drop-in page, built on <video-uploader>. The upload token comes from ?token= (or the
// Advanced field); the API host is the server that served the page. A link's ?apiHost= of
// another server is used only once the person has seen it and said yes, and never while
// the server's API key is on the page. With that key in the fragment (#key=…, never sent to
// a server, and taken out of the address at once), a panel manages this server's upload
// tokens and edits its videos' details; it talks to this page's own server only.
import './video-uploader.js';

const $ = (id) => document.getElementById(id);
/** A new `tag` element with `properties`. */
const make = (tag, properties) => Object.assign(document.createElement(tag), properties);
const params = new URLSearchParams(location.search);
const key = new URLSearchParams(location.hash.slice(1)).get('key');
// Out of the address bar and the history entry: the key is in this page's memory only.
if (key) history.replaceState(history.state, '', location.pathname + location.search);
const uploader = $('uploader');
const announce = (text) => ($('announcer').textContent = text);

/** `url` when it is an http(s) address, else null: what a server answers is data, never code. */
const web = (url) => {
  try {
    return ['http:', 'https:'].includes(new URL(url, location.href).protocol) ? url : null;
  } catch {
    return null;
  }
};

/** The origin an API host names (a bare host means https), or null when it names none. */
const originOf = (host) => {
  try {
    return new URL(/^[a-z]+:\/\//i.test(host) ? host : `https://${host}`).origin;
  } catch {
    return null;
  }
};

// Settings: from the address, kept in the fields, read by the element at each upload.
$('token').value = params.get('token') ?? '';
$('api-host').value = location.origin;
const asked = params.get('apiHost');
if (asked && originOf(asked) !== location.origin) {
  // Another server: shown, and used only if the person says so (never with the key here).
  $('other-host-name').textContent = asked;
  $('other-host').hidden = false;
  $('use-other-host').hidden = Boolean(key);
  $('other-host-key').hidden = !key;
  $('use-other-host').addEventListener('click', () => {
    $('api-host').value = asked;
    settings();
    $('other-host').hidden = true;
    announce(`Uploads now go to ${asked}.`);
  });
  $('keep-host').addEventListener('click', () => {
    $('other-host').hidden = true;
    announce('Uploads go to this server.');
  });
}
const settings = () => {
  uploader.token = $('token').value.trim();
  uploader.apiHost = $('api-host').value.trim();
  // 'auto' follows the link (see chunkSize in the package's types); anything else not a
  // size is the element's default.
  const chunk = $('chunk-size').value.trim().toLowerCase();
  const mib = Number(chunk);
  uploader.chunkSize = chunk === 'auto' ? 'auto' : Number.isFinite(mib) && mib > 0 ? Math.round(mib * 1024 * 1024) : 0;
  $('no-token').hidden = uploader.token !== '';
};
for (const id of ['token', 'api-host', 'chunk-size']) $(id).addEventListener('input', settings);
settings();
if (!uploader.token) $('advanced').open = true;

uploader.addEventListener('success', (event) => {
  const video = event.detail;
  const item = document.createElement('li');
  item.className = 'result';
  item.dataset.videoId = video.videoId;
  const title = document.createElement('strong');
  title.textContent = video.title ?? event.detail.file.name;
  const id = document.createElement('code');
  id.textContent = video.videoId;
  const row = document.createElement('div');
  row.className = 'row';
  row.append(title, ' ', id);
  item.append(row);
  const mp4 = web(video.assets?.mp4);
  if (mp4) {
    const preview = document.createElement('video');
    preview.controls = true;
    preview.preload = 'metadata';
    preview.src = mp4;
    preview.setAttribute('aria-label', `Preview of ${title.textContent}`);
    // A file this browser cannot play (or one with no picture) would be a black box: it
    // says so instead, and the player link below still plays it once encoded.
    const unplayable = document.createElement('p');
    unplayable.className = 'no-preview';
    unplayable.textContent = 'No preview here: this browser cannot play this file. The player link plays it.';
    unplayable.hidden = true;
    const fallBack = () => {
      preview.hidden = true;
      unplayable.hidden = false;
    };
    preview.addEventListener('error', fallBack);
    preview.addEventListener('loadedmetadata', () => preview.videoWidth === 0 && fallBack());
    item.append(preview, unplayable);
  }
  const links = document.createElement('div');
  links.className = 'row';
  const link = web(video.assets?.player) ?? mp4;
  if (link) {
    const open = document.createElement('a');
    open.href = link;
    open.target = '_blank';
    open.rel = 'noopener';
    open.textContent = 'Open the player';
    const copy = make('button', { type: 'button', textContent: 'Copy link' });
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(link);
        copy.textContent = 'Copied';
        announce('The link is copied.');
      } catch {
        prompt('Copy this link', link);
      }
    });
    links.append(open, copy);
    item.append(links);
  }
  $('result-list').prepend(item);
  $('results').hidden = false;
  // Listed once: the result card takes the place of the file's row.
  uploader.removeFile(event.detail.file);
  if (key) refreshVideos();
});

// This server's panel: its requests go to the page's own origin, whatever the API host.
// Every failure is said in the panel, in words; nothing fails only in the console.
const api = async (method, path, body) => {
  const response = await fetch(`${location.origin}${path}`, {
    method,
    headers: { Authorization: `Basic ${btoa(`${key}:`)}`, 'Content-Type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: the status says enough.
  }
  if (!response.ok) {
    const said = json?.detail ?? json?.title;
    const error = new Error(
      response.status === 401 ? 'The server refused this API key: check the key in the address (after #key=).' : `${said ?? 'The server refused it'} (HTTP ${response.status}).`,
    );
    error.status = response.status;
    throw error;
  }
  return json;
};

/** Says `error` in the panel (and to screen readers); `null` clears it. */
function panelError(error) {
  $('admin-error').textContent = error ? error.message : '';
  $('admin-error').hidden = !error;
}

/** Runs `action`, saying in the panel why it failed if it does. */
async function attempt(action) {
  try {
    const result = await action();
    panelError(null);
    return result;
  } catch (error) {
    panelError(error);
    return undefined;
  }
}

/** A button that asks before `act`: a first press turns it into "Yes, delete" and "Keep". */
function confirmed(label, question, act) {
  const ask = make('button', { type: 'button', className: 'ask', textContent: 'Delete' });
  ask.setAttribute('aria-label', label);
  const yes = make('button', { type: 'button', className: 'danger', textContent: 'Yes, delete' });
  const keep = make('button', { type: 'button', className: 'keep', textContent: 'Keep' });
  const prompt = make('span', { className: 'confirm', hidden: true });
  prompt.append(make('span', { textContent: question }), ' ', yes, ' ', keep);
  ask.addEventListener('click', () => {
    ask.hidden = true;
    prompt.hidden = false;
    keep.focus();
  });
  keep.addEventListener('click', () => {
    prompt.hidden = true;
    ask.hidden = false;
    ask.focus();
  });
  yes.addEventListener('click', act);
  const cell = make('span', { className: 'row' });
  cell.append(ask, prompt);
  return cell;
}

const cell = (content) => {
  const td = document.createElement('td');
  td.append(content);
  return td;
};

async function refreshTokens() {
  const listed = await attempt(() => api('GET', '/upload-tokens?pageSize=100&sortBy=createdAt&sortOrder=desc'));
  if (!listed) return;
  const rows = listed.data.map((token) => {
    const tr = document.createElement('tr');
    tr.dataset.token = token.token;
    const mine = token.token === uploader.token;
    const question = mine
      ? 'This page uploads with this token: after it goes, uploads here stop until another is created or pasted. Delete it?'
      : 'Uploads with this token stop at once. Delete it?';
    const remove = confirmed(`Delete token ${token.token}`, question, async () => {
      const done = await attempt(() => api('DELETE', `/upload-tokens/${token.token}`));
      if (done === undefined && !$('admin-error').hidden) return;
      if (mine) {
        // The page no longer has a token: it says so, and asks for one.
        $('token').value = '';
        settings();
        $('advanced').open = true;
      }
      announce(mine ? 'The token is deleted; this page has no token now.' : 'The token is deleted.');
      refreshTokens();
    });
    const code = document.createElement('code');
    code.textContent = token.token;
    const name = document.createElement('span');
    name.append(code, mine ? ' (this page’s)' : '');
    tr.append(cell(name), cell(token.ttl ? `${token.ttl} s` : 'ever'), cell(token.expiresAt ? new Date(token.expiresAt).toLocaleString() : '—'), cell(remove));
    return tr;
  });
  document.querySelector('#tokens tbody').replaceChildren(...rows);
  $('tokens-empty').hidden = rows.length > 0;
}

/** A byte count, in the units people read. */
const bytes = (n) => (n == null ? '—' : n < 1e6 ? `${Math.ceil(n / 1e3)} KB` : `${(n / 1e6).toFixed(1)} MB`);

async function refreshVideos() {
  const listed = await attempt(() => api('GET', '/videos?pageSize=20&sortBy=createdAt&sortOrder=desc'));
  if (!listed) return;
  const rows = await Promise.all(
    listed.data.map(async (video) => {
      const status = await api('GET', `/videos/${video.videoId}/status`).catch(() => null);
      const tr = document.createElement('tr');
      tr.dataset.videoId = video.videoId;
      // The server's thumbnail where it has one, else the video's first frame, else an icon.
      const picture = document.createElement('span');
      picture.className = 'thumb';
      picture.setAttribute('aria-hidden', 'true');
      const icon = document.createElement('span');
      icon.textContent = '🎞';
      picture.append(icon);
      const thumbnail = web(video.assets?.thumbnail);
      const mp4 = web(video.assets?.mp4);
      if (thumbnail || mp4) {
        const image = document.createElement(thumbnail ? 'img' : 'video');
        if (thumbnail) image.alt = '';
        else Object.assign(image, { muted: true, preload: 'metadata' });
        image.hidden = true;
        image.addEventListener(thumbnail ? 'load' : 'loadeddata', () => {
          if (!thumbnail && image.videoWidth === 0) return;
          image.hidden = false;
          icon.hidden = true;
        });
        image.src = thumbnail ?? `${mp4}#t=0.1`;
        picture.append(image);
      }
      const form = document.createElement('form');
      form.className = 'inline-edit';
      form.innerHTML = `<label><span class="visually-hidden">Title</span><input name="title" required maxlength="255"></label>
        <label><span class="visually-hidden">Tags, separated by commas</span><input name="tags" placeholder="tags, by commas"></label>
        <button type="submit">Save</button> <span class="saved" role="status"></span>`;
      form.title.value = video.title;
      form.tags.value = (video.tags ?? []).join(', ');
      form.title.setAttribute('aria-label', `Title of ${video.videoId}`);
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const tags = form.tags.value.split(',').map((t) => t.trim()).filter(Boolean);
        const saved = form.querySelector('.saved');
        saved.textContent = 'Saving…';
        const done = await attempt(() => api('PATCH', `/videos/${video.videoId}`, { title: form.title.value, tags }));
        saved.textContent = done ? 'Saved.' : 'Not saved.';
        if (done) announce('The video is saved.');
      });
      const ingest = status?.ingest;
      const state = ingest?.status === 'uploaded' ? 'uploaded' : ingest?.status === 'uploading' ? 'uploading' : 'empty';
      const remove = confirmed(`Delete video ${video.title}`, 'The video and its file go for good. Delete it?', async () => {
        const done = await attempt(() => api('DELETE', `/videos/${video.videoId}`));
        if (done === undefined && !$('admin-error').hidden) return;
        announce('The video is deleted.');
        refreshVideos();
      });
      const id = document.createElement('code');
      id.textContent = video.videoId;
      const title = document.createElement('span');
      title.append(form, id);
      tr.append(cell(picture), cell(title), cell(state), cell(bytes(ingest?.filesize)), cell(video.createdAt ? new Date(video.createdAt).toLocaleString() : '—'), cell(remove));
      return tr;
    }),
  );
  document.querySelector('#videos tbody').replaceChildren(...rows);
  $('videos-empty').hidden = rows.length > 0;
}

if (key) {
  $('admin').hidden = false;
  $('token-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const ttl = Number($('ttl').value);
    if (!Number.isInteger(ttl) || ttl < 0) {
      panelError(new Error('The time a token is valid is a whole number of seconds, 0 for ever.'));
      $('ttl').focus();
      return;
    }
    const created = await attempt(() => api('POST', '/upload-tokens', { ttl }));
    if (!created) return;
    $('token').value = created.token;
    settings();
    announce(`Token ${created.token} is created and in use on this page.`);
    refreshTokens();
  });
  refreshTokens();
  refreshVideos();
}
