//! What an upload tells its listeners.

use crate::error::UploadError;
use crate::machine::Warning;
use crate::meter::Report;
use crate::progress::AcknowledgedChunk;
use crate::retry::RetryReason;

use wasm_bindgen::JsValue;

use super::driver::{string_field, Note};
use crate::machine::Event as MachineEvent;

/// An event of an upload. In JavaScript each is a `CustomEvent` named by
/// [`UploadEvent::name`] whose `detail` holds the fields.
#[derive(Debug, Clone)]
pub enum UploadEvent {
    /// Bytes went out: at most ten a second, and once per acknowledged chunk.
    Progress(Report),
    /// The server acknowledged a chunk.
    Chunk(AcknowledgedChunk),
    /// A chunk failed and will be sent again after `delay_ms`.
    Retry {
        /// 1 for the first retry of this chunk.
        attempt: u32,
        /// The wait before it.
        delay_ms: f64,
        /// Why.
        reason: RetryReason,
        /// The failure.
        error: UploadError,
    },
    /// Something the app should know that does not stop the upload.
    Warning(Warning),
    /// The upload paused.
    Pause,
    /// The upload resumed.
    Resume,
    /// The browser went offline.
    Offline,
    /// The browser came back online.
    Online,
    /// The upload completed.
    Success(Video),
    /// The upload failed.
    Error(UploadError),
}

impl UploadEvent {
    /// The event of a driver note, if it is one (a stream's parts settle their own promises).
    pub(crate) fn of(note: &Note) -> Option<UploadEvent> {
        Some(match note {
            Note::Progress(report) => UploadEvent::Progress(*report),
            Note::Chunk { chunk, video_id, standing } => UploadEvent::Chunk(AcknowledgedChunk {
                chunk: *chunk,
                chunks_count: standing.chunks_count,
                video_id: video_id.unwrap_or_default().to_owned(),
                uploaded_bytes: standing.uploaded_bytes,
            }),
            Note::Event(MachineEvent::Retry { attempt, delay_ms, reason, error }) => {
                UploadEvent::Retry { attempt: *attempt, delay_ms: *delay_ms, reason: *reason, error: error.clone() }
            }
            Note::Event(MachineEvent::Warning(warning)) => UploadEvent::Warning(*warning),
            Note::Complete { video, .. } => UploadEvent::Success(Video::of(video)),
            Note::Failed(error) => UploadEvent::Error((*error).clone()),
            Note::PartProgress(_) | Note::Part { .. } | Note::Event(MachineEvent::Acknowledged { .. }) => return None,
        })
    }

    /// The event's name: `progress`, `chunk`, `retry`, `warning`, `pause`, `resume`,
    /// `offline`, `online`, `success` or `error`.
    pub fn name(&self) -> &'static str {
        match self {
            UploadEvent::Progress(_) => "progress",
            UploadEvent::Chunk(_) => "chunk",
            UploadEvent::Retry { .. } => "retry",
            UploadEvent::Warning(_) => "warning",
            UploadEvent::Pause => "pause",
            UploadEvent::Resume => "resume",
            UploadEvent::Offline => "offline",
            UploadEvent::Online => "online",
            UploadEvent::Success(_) => "success",
            UploadEvent::Error(_) => "error",
        }
    }
}

/// The video the server returned for the completing chunk: its fields typed (it derefs to
/// [`crate::video::Video`]: `video.title`, `video.assets`), and the object as it came.
#[derive(Debug, Clone)]
pub struct Video {
    typed: crate::video::Video,
    /// The Video object as the server sent it, with `videoId` added when it was missing;
    /// only `{videoId}` when the completing chunk's answer was lost and the credentials
    /// cannot read the video back (an upload token).
    pub json: JsValue,
}

impl Video {
    /// The typed fields of `json`. A field of an unexpected type does not fail an upload
    /// that succeeded: the video then has its id alone.
    pub(crate) fn of(json: &JsValue) -> Video {
        let typed = serde_wasm_bindgen::from_value(json.clone())
            .unwrap_or_else(|_| crate::video::Video { video_id: string_field(json, "videoId").unwrap_or_default(), ..Default::default() });
        Video { typed, json: json.clone() }
    }

    /// The typed fields, owned.
    pub fn into_typed(self) -> crate::video::Video {
        self.typed
    }

    /// Resolves once the video plays (its HLS manifest answers with a playlist), as the
    /// JavaScript `onPlayable` callbacks are called: `true` then, `false` when the video has
    /// no HLS link or is still not playable after ten minutes. Drop the future to stop
    /// waiting.
    pub async fn playable(&self) -> bool {
        match self.assets.as_ref().and_then(|assets| assets.hls.as_deref()) {
            Some(hls) => super::media::playable(hls).await,
            None => false,
        }
    }
}

impl core::ops::Deref for Video {
    type Target = crate::video::Video;

    fn deref(&self) -> &crate::video::Video {
        &self.typed
    }
}
