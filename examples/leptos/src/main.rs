//! A Leptos app that uploads a video to api.video (or to upload-server) with
//! wasm-video-uploader's Rust API: pick or drop a file, watch the progress, the rate and the
//! time left, pause and resume, and get the player link. The upload token comes from the
//! page's `?token=` (as `npm start` prints it) or is pasted in; `?chunkSize=` sets the chunk
//! size in MiB. Uploads are resumable: after a reload, the same file continues where it was.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_video_uploader::meter::Report;
use wasm_video_uploader::web::{UploadEvent, Uploader};
use wasm_video_uploader::{UploadError, UploadOptions};
use web_sys::{DragEvent, File, HtmlInputElement};

/// Where the one upload of the page stands.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    Idle,
    Uploading { name: String },
    Done { title: String, video_id: String, player: Option<String> },
    Failed { code: &'static str, message: String },
}

impl Stage {
    fn failed(error: &UploadError) -> Stage {
        Stage::Failed { code: error.code(), message: error.message() }
    }
}

fn main() {
    mount_to_body(App);
}

/// A parameter of the page's query string.
fn query(name: &str) -> Option<String> {
    let search = window().location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(name).filter(|value| !value.is_empty())
}

#[component]
fn App() -> impl IntoView {
    let token = RwSignal::new(query("token").unwrap_or_default());
    let stage = RwSignal::new(Stage::Idle);
    let report = RwSignal::new(None::<Report>);
    let paused = RwSignal::new(false);
    let over = RwSignal::new(false);
    let current = StoredValue::new_local(None::<Rc<Uploader>>);

    let start = move |file: File| {
        let mut options = UploadOptions::with_upload_token(token.get_untracked().trim());
        // The API is the server that served the page (upload-server under `npm start`); an
        // app on its own origin keeps the default, api.video's `ws.api.video`.
        if let Ok(origin) = window().location().origin() {
            options.api_host = origin;
        }
        if let Some(mib) = query("chunkSize").and_then(|value| value.parse::<u64>().ok()) {
            options.chunk_size = mib * 1024 * 1024;
        }
        let uploader = match Uploader::new(&file, options) {
            Ok(uploader) => Rc::new(uploader),
            Err(error) => return stage.set(Stage::failed(&error)),
        };
        uploader.set_resumable(true);
        uploader.on_event(move |event| match event {
            UploadEvent::Progress(now) => report.set(Some(*now)),
            UploadEvent::Pause => paused.set(true),
            UploadEvent::Resume => paused.set(false),
            _ => {}
        });
        current.set_value(Some(uploader.clone()));
        report.set(None);
        paused.set(false);
        stage.set(Stage::Uploading { name: file.name() });
        spawn_local(async move {
            let outcome = uploader.upload().await;
            current.set_value(None);
            stage.set(match outcome {
                Ok(video) => {
                    let video = video.into_typed();
                    Stage::Done {
                        title: video.title.unwrap_or_default(),
                        player: video.assets.and_then(|assets| assets.player),
                        video_id: video.video_id,
                    }
                }
                Err(error) => Stage::failed(&error),
            });
        });
    };

    let picked = move |input: HtmlInputElement| {
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            start(file);
        }
        // The same file picked again is a change too.
        input.set_value("");
    };
    let dropped = move |event: DragEvent| {
        event.prevent_default();
        over.set(false);
        if let Some(file) = event.data_transfer().and_then(|data| data.files()).and_then(|files| files.get(0)) {
            start(file);
        }
    };
    let busy = move || matches!(stage.get(), Stage::Uploading { .. });
    let toggle = move |_| {
        if let Some(uploader) = current.get_value() {
            if uploader.is_paused() {
                uploader.resume();
            } else {
                uploader.pause();
            }
        }
    };
    let cancel = move |_| {
        if let Some(uploader) = current.get_value() {
            uploader.cancel();
        }
    };

    view! {
        <main>
            <h1>"Upload a video"</h1>
            <Show when=move || query("token").is_none()>
                <p>
                    <label>"Upload token " <input id="token" prop:value=move || token.get() on:input=move |event| token.set(event_target_value(&event)) /></label>
                </p>
            </Show>
            <label class="drop" class:over=move || over.get()
                on:dragover=move |event: DragEvent| { event.prevent_default(); over.set(true); }
                on:dragleave=move |_| over.set(false)
                on:drop=dropped>
                "Drop a video here, or pick one"
                <input id="file" type="file" accept="video/*" prop:disabled=busy
                    on:change=move |event| picked(event_target::<HtmlInputElement>(&event)) />
            </label>
            {move || match stage.get() {
                Stage::Idle => ().into_any(),
                Stage::Uploading { name } => view! {
                    <section aria-label="Upload">
                        <p>"Uploading " <strong>{name}</strong></p>
                        <Figures report=report />
                        <button id="pause" on:click=toggle>{move || if paused.get() { "Resume" } else { "Pause" }}</button>
                        <button id="cancel" on:click=cancel>"Cancel"</button>
                    </section>
                }.into_any(),
                Stage::Done { title, video_id, player } => view! {
                    <section id="result" aria-label="Uploaded" data-video-id=video_id.clone()>
                        <p>"Uploaded " <strong>{title}</strong> " (" <code>{video_id.clone()}</code> ")"</p>
                        {player.map(|href| view! { <p><a id="player" href=href target="_blank" rel="noopener">"Watch it"</a></p> })}
                    </section>
                }.into_any(),
                Stage::Failed { code, message } => view! {
                    <p id="error" class="error" role="alert" data-code=code>{message}</p>
                }.into_any(),
            }}
        </main>
    }
}

/// The bar, the share sent, the rate and the time left.
#[component]
fn Figures(report: RwSignal<Option<Report>>) -> impl IntoView {
    let figure = move |of: fn(&Report) -> String| move || report.get().map(|now| of(&now)).unwrap_or_default();
    view! {
        <progress id="progress" max=move || report.get().map_or(1, |now| now.progress.total_bytes)
            value=move || report.get().map_or(0, |now| now.progress.uploaded_bytes) />
        <p class="figures">
            <span id="percent">{figure(|now| format!("{:.0} %", 100.0 * now.progress.uploaded_bytes as f64 / now.progress.total_bytes as f64))}</span>
            <span id="rate">{figure(|now| format!("{:.1} MB/s", now.bytes_per_second / 1e6))}</span>
            <span id="left">{figure(|now| now.eta_seconds.map(|s| format!("{}:{:02} left", s as u64 / 60, s as u64 % 60)).unwrap_or_default())}</span>
        </p>
    }
}
