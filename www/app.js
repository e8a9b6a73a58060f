// The drop-in page, built on <video-uploader>. The upload token comes from ?token= (or the
// Advanced field); the API host is the server that served the page. A link's ?apiHost= of
// another server is used only once the person has seen it and said yes, and never while
// the server's API key is on the page. With that key in the fragment (#key=…, never sent to
// a server, and taken out of the address at once), a panel manages this server's upload
// tokens and edits its videos' details; it talks to this page's own server only.
import './video-uploader.js';

const $ = (id) => document.getElementById(id);
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
    const copy = document.createElement('button');
    copy.type = 'button';
    copy.textContent = 'Copy link';
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
const api = async (method, path, body) => {
  const response = await fetch(`${location.origin}${path}`, {
    method,
    headers: { Authorization: `Basic ${btoa(`${key}:`)}`, 'Content-Type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error(json?.title ?? `HTTP ${response.status}`);
  return json;
};

async function refreshTokens() {
  const { data } = await api('GET', '/upload-tokens?pageSize=100&sortBy=createdAt&sortOrder=desc');
  const rows = data.map((token) => {
    const tr = document.createElement('tr');
    tr.dataset.token = token.token;
    const cell = (text) => {
      const td = document.createElement('td');
      td.textContent = text;
      return td;
    };
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.textContent = 'Delete';
    remove.setAttribute('aria-label', `Delete token ${token.token}`);
    remove.addEventListener('click', async () => {
      await api('DELETE', `/upload-tokens/${token.token}`);
      announce('The token is deleted.');
      refreshTokens();
    });
    const code = document.createElement('code');
    code.textContent = token.token;
    const first = document.createElement('td');
    first.append(code);
    const actions = document.createElement('td');
    actions.append(remove);
    tr.append(first, cell(token.ttl ? `${token.ttl} s` : 'ever'), cell(token.expiresAt ? new Date(token.expiresAt).toLocaleString() : '—'), actions);
    return tr;
  });
  document.querySelector('#tokens tbody').replaceChildren(...rows);
}

async function refreshVideos() {
  const { data } = await api('GET', '/videos?pageSize=20&sortBy=createdAt&sortOrder=desc');
  const items = data.map((video) => {
    const li = document.createElement('li');
    li.className = 'result';
    li.dataset.videoId = video.videoId;
    const form = document.createElement('form');
    form.className = 'fields';
    form.innerHTML = `<label>Title <input name="title" required maxlength="255"></label>
      <label>Description <input name="description"></label>
      <label>Tags, separated by commas <input name="tags"></label>
      <div class="row"><button type="submit" class="primary">Save</button> <code></code></div>`;
    form.title.value = video.title;
    form.description.value = video.description ?? '';
    form.tags.value = (video.tags ?? []).join(', ');
    form.querySelector('code').textContent = video.videoId;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const tags = form.tags.value.split(',').map((t) => t.trim()).filter(Boolean);
      await api('PATCH', `/videos/${video.videoId}`, { title: form.title.value, description: form.description.value, tags });
      announce('The video is saved.');
    });
    li.append(form);
    return li;
  });
  $('videos').replaceChildren(...items);
}

if (key) {
  $('admin').hidden = false;
  $('token-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const created = await api('POST', '/upload-tokens', { ttl: Number($('ttl').value) || 0 });
    $('token').value = created.token;
    settings();
    announce(`Token ${created.token} is created and in use on this page.`);
    refreshTokens();
  });
  refreshTokens();
  refreshVideos();
}
