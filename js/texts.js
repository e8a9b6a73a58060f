// Every text <video-uploader> shows, in one table per language: English and French. A page
// replaces any of them through the element's `texts` property (an object of the keys it
// changes), and picks the table by `lang` (the element's, or the nearest ancestor's).
// `{field}` is filled in where the text is used.

export const TEXTS = {
  en: {
    dropOne: 'Drop a video here, or',
    dropMany: 'Drop videos here, or',
    pickOne: 'Choose a file',
    pickMany: 'Choose files',
    pause: 'Pause',
    resume: 'Resume',
    cancel: 'Cancel',
    retry: 'Retry',
    startOver: 'Start over',
    remove: 'Remove',
    recordCamera: 'Record with the camera',
    recordScreen: 'Record the screen',
    stop: 'Stop',
    previewLabel: 'What is being recorded',
    recording: 'Recording · {time} · {recorded}, {sent} sent',
    recordingPaused: 'Paused at {time} · {recorded}, {sent} sent',
    recordingName: 'Recording {date}',
    finishing: 'Finishing the upload…',
    recordDenied: 'The browser was not allowed to use the camera or microphone. Allow it in the site’s settings (beside the address), then try again.',
    screenDenied: 'Sharing the screen was not allowed, so nothing is recorded.',
    noDevice: 'No camera was found. Connect one and try again, or choose a file.',
    recordFailed: 'Recording could not start: {reason}',
    unfinished: 'Not finished last time: pick or drop a file again and it goes on where it stopped.',
    unfinishedFile: '{name} ({size})',
    forget: 'Forget them',
    pauseAll: 'Pause all',
    resumeAll: 'Resume all',
    cancelAll: 'Cancel all',
    clear: 'Clear finished',
    totalLabel: 'All uploads',
    total: '{done} of {files} uploaded · {sent} of {total}',
    progressLabel: 'Upload of {name}',
    queued: 'Waiting for the files before it…',
    starting: 'Starting…',
    sent: '{sent} of {total}',
    rate: '{rate}/s',
    secondsLeft: '{seconds} s left',
    minutesLeft: '{minutes} min {seconds} s left',
    paused: 'Paused.',
    resuming: 'Resuming…',
    retrying: 'Connection trouble; retrying in {seconds} s…',
    offline: 'Offline: the upload goes on when the connection is back.',
    uploaded: 'Uploaded.',
    announceUploaded: '{name} is uploaded.',
    announceError: '{name}: {text}',
    notTaken: 'Not taken: {names}. This uploader takes {accept}.',
    tooMany: 'Not taken: {names}. This uploader takes at most {max} files.',
    files: '{count} files',
    tooLarge: '{name} is {size}; files up to {max} are accepted.',
    UNAUTHORIZED: 'This upload link has expired or was withdrawn; ask for a new one.',
    FORBIDDEN: 'This upload link cannot add to this video. You can start over into a new video.',
    NOT_FOUND: 'The video this upload was going into is gone. You can start over into a new video.',
    FILE_EMPTY: 'This file is empty: choose another one.',
    FILE_TOO_LARGE: 'This file is larger than api.video accepts (30 GiB).',
    NETWORK: 'The connection failed. Check it, then retry.',
    RATE_LIMITED: 'Too many uploads right now. Wait a minute, then retry.',
    ABORTED: 'Cancelled.',
    CREDENTIALS_MISSING: 'There is no upload token: this page needs an upload link.',
    failed: 'The upload failed',
    canRetry: '{reason} You can retry.',
    units: 'B KB MB GB TB',
    decimal: '.',
  },
  fr: {
    dropOne: 'Déposez une vidéo ici, ou',
    dropMany: 'Déposez des vidéos ici, ou',
    pickOne: 'Choisir un fichier',
    pickMany: 'Choisir des fichiers',
    pause: 'Pause',
    resume: 'Reprendre',
    cancel: 'Annuler',
    retry: 'Réessayer',
    startOver: 'Recommencer',
    remove: 'Retirer',
    recordCamera: 'Filmer avec la caméra',
    recordScreen: 'Enregistrer l’écran',
    stop: 'Arrêter',
    previewLabel: 'Ce qui est enregistré',
    recording: 'Enregistrement · {time} · {recorded}, {sent} envoyés',
    recordingPaused: 'En pause à {time} · {recorded}, {sent} envoyés',
    recordingName: 'Enregistrement {date}',
    finishing: 'Fin de l’envoi…',
    recordDenied: 'Le navigateur n’a pas été autorisé à utiliser la caméra ou le micro. Autorisez-le dans les réglages du site (près de l’adresse), puis réessayez.',
    screenDenied: 'Le partage d’écran n’a pas été autorisé : rien n’est enregistré.',
    noDevice: 'Aucune caméra n’a été trouvée. Branchez-en une et réessayez, ou choisissez un fichier.',
    recordFailed: 'L’enregistrement n’a pas pu commencer : {reason}',
    unfinished: 'Pas terminés la dernière fois : choisissez ou déposez de nouveau un fichier et il reprend là où il s’était arrêté.',
    unfinishedFile: '{name} ({size})',
    forget: 'Les oublier',
    pauseAll: 'Tout mettre en pause',
    resumeAll: 'Tout reprendre',
    cancelAll: 'Tout annuler',
    clear: 'Retirer les terminés',
    totalLabel: 'Tous les envois',
    total: '{done} sur {files} envoyés · {sent} sur {total}',
    progressLabel: 'Envoi de {name}',
    queued: 'En attente des fichiers précédents…',
    starting: 'Démarrage…',
    sent: '{sent} sur {total}',
    rate: '{rate}/s',
    secondsLeft: 'encore {seconds} s',
    minutesLeft: 'encore {minutes} min {seconds} s',
    paused: 'En pause.',
    resuming: 'Reprise…',
    retrying: 'Problème de connexion ; nouvel essai dans {seconds} s…',
    offline: 'Hors ligne : l’envoi reprendra au retour de la connexion.',
    uploaded: 'Envoyé.',
    announceUploaded: '{name} est envoyé.',
    announceError: '{name} : {text}',
    notTaken: 'Refusé : {names}. Seuls sont acceptés : {accept}.',
    tooMany: 'Refusé : {names}. Au plus {max} fichiers sont acceptés.',
    files: '{count} fichiers',
    tooLarge: '{name} pèse {size} ; les fichiers jusqu’à {max} sont acceptés.',
    UNAUTHORIZED: 'Ce lien d’envoi a expiré ou a été retiré ; demandez-en un nouveau.',
    FORBIDDEN: 'Ce lien d’envoi ne peut pas compléter cette vidéo. Vous pouvez recommencer dans une nouvelle vidéo.',
    NOT_FOUND: 'La vidéo de cet envoi n’existe plus. Vous pouvez recommencer dans une nouvelle vidéo.',
    FILE_EMPTY: 'Ce fichier est vide : choisissez-en un autre.',
    FILE_TOO_LARGE: 'Ce fichier dépasse la taille qu’accepte api.video (30 Gio).',
    NETWORK: 'La connexion a échoué. Vérifiez-la, puis réessayez.',
    RATE_LIMITED: 'Trop d’envois en ce moment. Attendez une minute, puis réessayez.',
    ABORTED: 'Annulé.',
    CREDENTIALS_MISSING: 'Il n’y a pas de jeton d’envoi : cette page a besoin d’un lien d’envoi.',
    failed: 'L’envoi a échoué',
    canRetry: '{reason} Vous pouvez réessayer.',
    units: 'o ko Mo Go To',
    decimal: ',',
  },
};

/** The table of `lang` (`fr-CA` takes `fr`; an unknown language, English) with `overrides`. */
export function textsFor(lang, overrides) {
  const base = TEXTS[String(lang ?? '').toLowerCase().split('-')[0]] ?? TEXTS.en;
  return { ...base, ...overrides };
}

/** `template` with its `{fields}` filled in (a field not given stays as written). */
export function fillIn(template, fields = {}) {
  return String(template).replace(/\{(\w+)\}/g, (whole, name) => (name in fields ? String(fields[name]) : whole));
}

/** `texts[key]` with its `{fields}` filled in. */
export function say(texts, key, fields) {
  return fillIn(texts[key] ?? TEXTS.en[key] ?? key, fields);
}

/** A byte count in the table's units (powers of 1000) and decimal sign. */
export function size(bytes, texts = TEXTS.en) {
  const units = String(texts.units ?? TEXTS.en.units).split(' ');
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0).replace('.', texts.decimal ?? '.')} ${units[unit]}`;
}

/** Elapsed seconds as the clock shows them: `m:ss`, or `h:mm:ss` past an hour. */
export function clock(seconds) {
  const s = Math.floor(seconds);
  const two = (n) => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
}

/** The time left, in the table's words; empty when unknown. */
export function duration(seconds, texts = TEXTS.en) {
  if (seconds == null || !Number.isFinite(seconds)) return '';
  const s = Math.ceil(seconds);
  return s < 60 ? say(texts, 'secondsLeft', { seconds: s }) : say(texts, 'minutesLeft', { minutes: Math.floor(s / 60), seconds: s % 60 });
}
