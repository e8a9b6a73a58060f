//! The size floor of the package's wasm: the core modules of `src/` (the same files, by
//! path) behind a JavaScript face that drives every machine call the browser shell makes
//! (constructors, start, pause, resume, cancel, push, poll, handle, progress, wake, the
//! retry strategy) and hands every text and number the shell would read to JavaScript,
//! so that nothing the shell keeps alive is optimized away. What it leaves out is exactly
//! the shell: no XHR, FormData, Blob, timer or event object. The options come in packed as
//! the entry packs them for `Core` (`src/packed.rs`).
#![no_std]
#![allow(dead_code, unreachable_pub, missing_docs)]

extern crate alloc;

#[path = "../../../src/attempts.rs"]
mod attempts;
#[path = "../../../src/codes.rs"]
mod codes;
#[path = "../../../src/content_range.rs"]
pub mod content_range;
#[path = "../../../src/error.rs"]
pub mod error;
#[path = "../../../src/limits.rs"]
pub mod limits;
#[path = "../../../src/machine.rs"]
pub mod machine;
#[path = "../../../src/meter.rs"]
pub mod meter;
#[path = "../../../src/options.rs"]
pub mod options;
#[path = "../../../src/packed.rs"]
mod packed;
#[path = "../../../src/slots.rs"]
mod slots;
#[path = "../../../src/plan.rs"]
pub mod plan;
#[path = "../../../src/progress.rs"]
pub mod progress;
#[path = "../../../src/request.rs"]
pub mod request;
#[path = "../../../src/retry.rs"]
pub mod retry;
#[path = "../../../src/stream.rs"]
pub mod stream;
#[path = "../../../src/text.rs"]
mod text;
#[path = "../../../src/watchdog.rs"]
mod watchdog;

pub use error::UploadError;
pub use machine::{Event, Machine, Step};
pub use options::{Credentials, Origin, UploadOptions};
pub use progress::Progress;

use alloc::rc::Rc;
use alloc::string::String;
use core::cell::RefCell;

use wasm_bindgen::prelude::*;

use error::Problem;
use meter::ProgressMeter;
use request::{Answer, Body, Outcome};

// The package's allocator and panic handler (see src/lib.rs).
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

#[wasm_bindgen]
extern "C" {
    /// Every text the shell would hand to the browser.
    fn text(value: &str);
    /// Every number the shell would hand to the browser.
    fn number(value: f64);
    /// The app's retry strategy.
    fn strategy(retry: u32, code: u8) -> f64;
}

fn error(error: &UploadError) {
    // The entry names the code (its index), adds the reason and writes the message from
    // the code and these facts.
    number((error.kind() as u8).into());
    if let Some(status) = error.status() {
        number(status.into());
    }
    match error {
        UploadError::Http { raw, .. } => text(raw),
        UploadError::InvalidResponse { raw, detail, .. } => {
            text(raw);
            text(detail);
        }
        UploadError::Browser { detail } | UploadError::InvalidOrigin { message: detail } => text(detail),
        UploadError::InvalidOption { name, detail } => {
            text(name);
            text(detail);
        }
        UploadError::FileTooLarge { size } => number(*size as f64),
        _ => {}
    }
}

fn thrown(error: &UploadError) -> JsValue {
    JsValue::from(error.kind() as u8)
}

/// One upload's machine, as the shell holds it.
#[wasm_bindgen]
pub struct Probe {
    machine: RefCell<Machine>,
    meter: RefCell<ProgressMeter>,
}

#[wasm_bindgen]
impl Probe {
    /// Every option `Core::new` takes, packed as the entry packs them.
    pub fn new(texts: &str, present: u32, size: f64, stream: bool, seed: f64) -> Result<Probe, JsValue> {
        let (options, name, values) = packed::unpack(texts, present);
        let machine = if stream {
            let flags = (values.flag(slots::PREVENT_EMPTY_PARTS) == Some(true), values.flag(slots::MERGE_SMALL_PARTS_BEFORE_UPLOAD) != Some(false));
            Machine::stream(&options, flags.0, flags.1, seed as u64)
        } else {
            Machine::file(&options, size as u64, &name, seed as u64)
        };
        let mut machine = machine.map_err(|error| thrown(&error))?;
        machine.set_retry_strategy(Rc::new(|retry, error| Some(strategy(retry, error.kind() as u8))));
        Ok(Probe { machine: RefCell::new(machine), meter: RefCell::new(ProgressMeter::new(100.0, 2000.0)) })
    }

    /// `Core::start`.
    pub fn start(&self, video_id: &str, acknowledged: u32, bytes: f64, size: f64, started: f64, connections: f64) -> Result<bool, JsValue> {
        let recorded = |value: f64| (value >= 0.0).then_some(value as u64);
        let count = |value: f64| recorded(value).map(|value| value as u32);
        let mut machine = self.machine.borrow_mut();
        machine.continue_from(video_id, acknowledged, recorded(bytes), recorded(size), count(started), count(connections));
        machine.start().map_err(|error| thrown(&error))
    }

    pub fn pause(&self) -> bool {
        self.machine.borrow_mut().pause()
    }

    pub fn resume(&self) -> bool {
        self.machine.borrow_mut().resume()
    }

    pub fn cancel(&self) {
        self.machine.borrow_mut().cancel();
    }

    /// `Core::offline` and `Core::online`.
    pub fn offline(&self) -> bool {
        self.machine.borrow_mut().offline()
    }

    pub fn online(&self) -> bool {
        self.machine.borrow_mut().online()
    }

    /// Whether the shell keeps a timer set.
    pub fn needs_timer(&self, id: u32) -> bool {
        self.machine.borrow().needs_timer(id)
    }

    pub fn paused(&self) -> bool {
        self.machine.borrow().is_paused()
    }

    /// `Core::push`, with the blob's size.
    pub fn push(&self, size: f64, last: bool) -> Result<u32, JsValue> {
        let mut machine = self.machine.borrow_mut();
        let part = if last { Some(machine.push_last(size as u64)) } else { machine.push(size as u64).transpose() };
        match part {
            Some(Ok(part)) => Ok(part.number + part.blobs as u32),
            Some(Err(error)) => Err(thrown(&error)),
            None => Ok(0),
        }
    }

    /// A timer fired.
    pub fn wake(&self, id: u32) {
        self.machine.borrow_mut().wake(id);
    }

    /// Whether a transfer is still awaited.
    pub fn awaits(&self, id: u32) -> bool {
        self.machine.borrow().awaits(id)
    }

    /// Upload progress of a transfer, of a file and of a stream.
    pub fn progress(&self, id: u32, loaded: f64, total: f64, now: f64) {
        let progress = self.machine.borrow_mut().progress(id, loaded as u64, total as u64);
        if let Some(progress) = progress {
            if let Some(report) = self.meter.borrow_mut().observe(now, progress, false) {
                let p = report.progress;
                for value in [p.uploaded_bytes as f64, p.total_bytes as f64, p.chunks_count.into(), p.chunks_bytes as f64, p.current_chunk.into(), p.current_chunk_uploaded_bytes as f64, report.bytes_per_second, report.eta_seconds.unwrap_or(-1.0)] {
                    number(value);
                }
            }
        }
        let part = self.machine.borrow_mut().part_progress(id, loaded as u64, total as u64);
        if let Some(part) = part {
            for value in [part.part.into(), part.uploaded_bytes as f64, part.total_bytes as f64] {
                number(value);
            }
        }
    }

    /// An outcome: `kind` 0 an answer (status, raw body and the fields the shell parses from
    /// it), 1 a network error, 2 a timeout, 3 an abort, else a refusal.
    #[allow(clippy::too_many_arguments)]
    pub fn handle(&self, id: u32, kind: u8, status: u16, raw: String, video_id: Option<String>, access: Option<String>, refresh: Option<String>, type_: Option<String>, title: Option<String>, name: Option<String>, detail: Option<String>, retry_after: f64, elapsed_ms: f64) {
        let outcome = match kind {
            0 => Outcome::Answered(Answer {
                status,
                raw,
                video_id,
                tokens: access.zip(refresh),
                problem: Problem { type_, title, name, detail },
                retry_after_ms: (retry_after >= 0.0).then_some(retry_after),
                elapsed_ms,
            }),
            1 => Outcome::Network,
            2 => Outcome::Timeout,
            3 => Outcome::Aborted,
            _ => Outcome::Refused(raw),
        };
        self.machine.borrow_mut().handle(id, outcome);
    }

    /// Reports the machine's events, then returns what it asks for next (its request's
    /// texts and numbers go to JavaScript).
    pub fn poll(&self) -> u32 {
        loop {
            let event = self.machine.borrow_mut().poll_event();
            match event {
                Some(Event::Acknowledged { piece, answered, standing }) => {
                    if let Some(s) = standing {
                        let p = s.progress;
                        for value in [p.uploaded_bytes as f64, s.chunks_count.into(), s.leading.0.into(), s.leading.1 as f64, s.uploaded_bytes as f64, s.chunks_bytes as f64, s.started.into()] {
                            number(value);
                        }
                    }
                    number(f64::from(piece.range.part) + f64::from(u8::from(answered)));
                    if let Some(id) = self.machine.borrow().video_id() {
                        text(id);
                    }
                }
                Some(Event::Retry { attempt, delay_ms, reason, error: failure }) => {
                    number(f64::from(attempt) + delay_ms);
                    number(f64::from(reason as u8));
                    error(&failure);
                }
                Some(Event::Warning(warning)) => number(f64::from(warning as u8)),
                None => break,
            }
        }
        let step = self.machine.borrow_mut().poll();
        match step {
            Step::Send(request) => {
                text(request.method);
                text(&request.url);
                for (name, value) in &request.headers {
                    text(name);
                    text(value);
                }
                if let Body::Json(json) = &request.body {
                    text(json);
                }
                if let Body::Piece { piece, content_range, video_id, file_name, .. } = &request.body {
                    number(piece.start as f64);
                    number(piece.end as f64);
                    text(content_range);
                    text(video_id.as_deref().unwrap_or_default());
                    text(file_name);
                }
                request.id
            }
            Step::Sleep { id, ms } => {
                number(ms);
                id
            }
            Step::Complete { video_id, answered } => {
                text(video_id.as_deref().unwrap_or_default());
                u32::from(answered)
            }
            Step::Failed(failure) => {
                error(&failure);
                0
            }
            Step::Wait => 0,
        }
    }
}
