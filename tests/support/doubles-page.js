// In the page (a classic script, after the doubles' own bundles): `window.uploadThroughDouble`
// runs one upload of a generated file with our uploader or the official one while a test
// double of XMLHttpRequest, as app test suites install it, plays api.video's part.
(() => {
  const VIDEO_ID = 'viDouble';
  const VIDEO = {
    videoId: VIDEO_ID,
    title: 'double.mp4',
    public: true,
    createdAt: '2026-12-06T10:00:00+00:00',
    updatedAt: '2026-12-06T10:00:01+00:00',
    publishedAt: '2026-12-06T10:00:02+00:00',
    assets: { player: `https://embed.api.video/vod/${VIDEO_ID}` },
  };

  const header = (headers, name) => {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? null : headers[key];
  };
  const formField = (body, name) => (body instanceof FormData ? body.get(name) : null);

  /**
   * Each double, installed: it hands every upload request to `serve(range, videoId, size)`
   * and answers what that returns (`{status, body}`, or `null`: never). Returns its teardown.
   */
  const DOUBLES = {
    // xhr-mock 2.5: a handler per route; a promise that never settles never answers.
    'xhr-mock': (serve) => {
      XHRMock.setup();
      XHRMock.post(/\/upload/, (req, res) => {
        const body = req.body();
        const answer = serve(req.header('Content-Range'), formField(body, 'videoId'), formField(body, 'file')?.size ?? 0);
        if (!answer) return new Promise(() => {});
        return res.status(answer.status).header('Content-Type', 'application/json').body(answer.body);
      });
      return () => XHRMock.teardown();
    },
    // sinon's fake XHR (nise 6): every request is answered by the test, after send.
    nise: (serve) => {
      const fake = nise.fakeXhr.useFakeXMLHttpRequest();
      fake.onCreate = (xhr) => {
        xhr.onSend = () =>
          setTimeout(() => {
            if (xhr.aborted || xhr.readyState !== 1) return;
            const size = formField(xhr.requestBody, 'file')?.size ?? 0;
            const answer = serve(header(xhr.requestHeaders, 'Content-Range'), formField(xhr.requestBody, 'videoId'), size);
            if (!answer) return;
            xhr.uploadProgress({ loaded: size, total: size, lengthComputable: true });
            xhr.respond(answer.status, { 'Content-Type': 'application/json' }, answer.body);
          });
      };
      return () => fake.restore();
    },
    // MSW's XMLHttpRequest interception (@mswjs/interceptors, what msw's setupServer uses for XHR).
    msw: (serve) => {
      const interceptor = new MswXhr.XMLHttpRequestInterceptor();
      interceptor.on('request', async ({ request, controller }) => {
        const form = await request.formData();
        const answer = serve(request.headers.get('Content-Range'), form.get('videoId'), form.get('file')?.size ?? 0);
        if (!answer) return new Promise(() => {});
        controller.respondWith(new Response(answer.body, { status: answer.status, headers: { 'Content-Type': 'application/json' } }));
      });
      interceptor.apply();
      return () => interceptor.dispose();
    },
    // A hand-written stand-in that calls the handlers with events it never dispatched, whose
    // `target` is therefore `null` (the shape that used to leave every upload pending).
    'null-target': (serve) => {
      const original = window.XMLHttpRequest;
      window.XMLHttpRequest = class NullTargetXhr {
        upload = {};
        readyState = 0;
        status = 0;
        response = '';
        responseText = '';
        headers = {};
        open(method, url) {
          Object.assign(this, { method, url, readyState: 1 });
        }
        setRequestHeader(name, value) {
          this.headers[name] = value;
        }
        getResponseHeader() {
          return null;
        }
        abort() {
          this.aborted = true;
        }
        send(body) {
          setTimeout(() => {
            if (this.aborted) return;
            const size = formField(body, 'file')?.size ?? 0;
            const answer = serve(header(this.headers, 'Content-Range'), formField(body, 'videoId'), size);
            if (!answer) return;
            this.upload.onprogress?.(new ProgressEvent('progress', { loaded: size, total: size, lengthComputable: true }));
            Object.assign(this, { status: answer.status, response: answer.body, responseText: answer.body, readyState: 4 });
            this.onreadystatechange?.(new Event('readystatechange'));
            this.onload?.(new ProgressEvent('load'));
            this.onloadend?.(new ProgressEvent('loadend'));
          });
        }
      };
      return () => {
        window.XMLHttpRequest = original;
      };
    },
  };

  /**
   * Uploads a file of `size` bytes in 5 MiB chunks with `implementation` ('ours' or
   * 'official') through `double`. `answers: false` makes the double never answer. Resolves
   * with what happened: `{settled, ok, video, code, requests, lastProgress}`; `settled` is
   * false when the upload had not settled `waitMs` after ours would have given up.
   */
  window.uploadThroughDouble = async ({ implementation, double, size, parallelParts = 1, answers = true, waitMs = 0 }) => {
    const requests = [];
    const serve = (range, videoId, bytes) => {
      requests.push({ range, videoId, bytes });
      return answers ? { status: 201, body: JSON.stringify(VIDEO) } : null;
    };
    const teardown = DOUBLES[double](serve);
    try {
      const { VideoUploader } = window.implementations[implementation];
      const file = new File([new Uint8Array(size)], 'double.mp4');
      const options = { file, uploadToken: 'toDouble', chunkSize: 5 * 1024 * 1024, parallelParts };
      if (!answers) Object.assign(options, { stallTimeout: 300, retryStrategy: (count) => (count <= 1 ? 100 : null) });
      const uploader = new VideoUploader(options);
      let lastProgress = null;
      uploader.onProgress((event) => (lastProgress = { uploadedBytes: event.uploadedBytes, totalBytes: event.totalBytes }));
      const outcome = uploader.upload().then(
        (video) => ({
          settled: true,
          ok: true,
          video: { ...video, createdAt: video.createdAt?.toISOString?.() ?? video.createdAt, updatedAt: undefined, publishedAt: undefined },
          dates: ['createdAt', 'updatedAt', 'publishedAt'].every((key) => video[key] instanceof Date),
        }),
        (error) => ({ settled: true, ok: false, code: error.code, reason: error.reason, isError: error instanceof Error }),
      );
      const result = waitMs ? await Promise.race([outcome, new Promise((resolve) => setTimeout(() => resolve({ settled: false }), waitMs))]) : await outcome;
      if (!result.settled) uploader.cancel?.();
      return { ...result, requests, lastProgress };
    } finally {
      teardown();
    }
  };
})();
