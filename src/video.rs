//! The Video api.video answers the completing chunk with, as Rust types: what the Rust API's
//! `upload().await` resolves with (through `serde-wasm-bindgen`). The fields are those of
//! the API's `Video` schema an app reads; a field the answer lacks is empty (`None`, or an
//! empty list), and fields not listed here are ignored.

use alloc::string::String;
use alloc::vec::Vec;

/// A video, as api.video describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(any(all(test, not(target_arch = "wasm32")), feature = "rust-api"), derive(serde::Deserialize), serde(rename_all = "camelCase", default))]
pub struct Video {
    /// `vi…`: the only field every answer has.
    pub video_id: String,
    /// The title: the file's name unless `videoName` (or the container) says otherwise.
    pub title: Option<String>,
    /// A description, when the video has one.
    pub description: Option<String>,
    /// The player the video uses, when not the default.
    pub player_id: Option<String>,
    /// The language of the video (an IETF tag), when set or detected.
    pub language: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Key and value pairs.
    pub metadata: Vec<Metadata>,
    /// Whether anyone with the link can watch it (the official JavaScript uploader names it
    /// `_public`).
    pub public: Option<bool>,
    /// Whether it is a 360° video.
    pub panoramic: Option<bool>,
    /// Whether its MP4 can be downloaded.
    pub mp4_support: Option<bool>,
    /// When it was created, published and last changed, as the API writes dates
    /// (`2024-07-14T23:36:07+00:00`).
    pub created_at: Option<String>,
    /// See [`Video::created_at`].
    pub published_at: Option<String>,
    /// See [`Video::created_at`].
    pub updated_at: Option<String>,
    /// Where to watch it.
    pub assets: Option<Assets>,
}

/// A key and value pair of a video's metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(any(all(test, not(target_arch = "wasm32")), feature = "rust-api"), derive(serde::Deserialize), serde(default))]
pub struct Metadata {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
}

/// Where a video can be watched: links that work once it is encoded (the player's at once).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(any(all(test, not(target_arch = "wasm32")), feature = "rust-api"), derive(serde::Deserialize), serde(default))]
pub struct Assets {
    /// The player's page, to link to.
    pub player: Option<String>,
    /// An `<iframe>` of the player, to embed.
    pub iframe: Option<String>,
    /// The HLS manifest, for a player of your own.
    pub hls: Option<String>,
    /// A thumbnail image.
    pub thumbnail: Option<String>,
    /// The MP4 file, when `mp4_support` is on.
    pub mp4: Option<String>,
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// The completing chunk's answer of the API's own example (api-contract, openapi.yaml
    /// L6113-6143).
    const EXAMPLE: &str = r#"{"videoId":"vi4k0jvEUuaTdRAEjQ4Jfrgz","playerId":"pl45KFKdlddgk654dspkze","title":"Maths video",
        "description":"An amazing video explaining string theory","language":"en","languageOrigin":"api","public":false,"panoramic":false,
        "tags":["maths","string theory","video"],"metadata":[{"key":"Author","value":"John Doe"}],
        "publishedAt":"2024-07-14T23:36:07+00:00","discarded":false,"discardedAt":null,"deletesAt":null,
        "source":{"uri":"/videos/vi4k0jvEUuaTdRAEjQ4Jfrgz/source"},
        "assets":{"iframe":"<iframe src=\"https://embed.api.video/vod/vi4k0jvEUuaTdRAEjQ4Jfrgz\"></iframe>",
                  "player":"https://embed.api.video/vod/vi4k0jvEUuaTdRAEjQ4Jfrgz","hls":"https://cdn.api.video/vod/vi4k0jvEUuaTdRAEjQ4Jfrgz/hls/manifest.m3u8",
                  "thumbnail":"https://cdn.api.video/vod/vi4k0jvEUuaTdRAEjQ4Jfrgz/thumbnail.jpg","mp4":"https://cdn.api.video/vod/vi4k0jvEUuaTdRAEjQ4Jfrgz/mp4/source.mp4"}}"#;

    #[test]
    fn the_apis_example_video_reads_whole() {
        let video: Video = serde_json::from_str(EXAMPLE).unwrap();
        assert_eq!(video.video_id, "vi4k0jvEUuaTdRAEjQ4Jfrgz");
        assert_eq!((video.title.as_deref(), video.player_id.as_deref(), video.language.as_deref()), (Some("Maths video"), Some("pl45KFKdlddgk654dspkze"), Some("en")));
        assert_eq!(video.tags, ["maths", "string theory", "video"]);
        assert_eq!(video.metadata, [Metadata { key: "Author".into(), value: "John Doe".into() }]);
        assert_eq!((video.public, video.panoramic, video.mp4_support), (Some(false), Some(false), None));
        assert_eq!(video.published_at.as_deref(), Some("2024-07-14T23:36:07+00:00"));
        let assets = video.assets.unwrap();
        assert_eq!(assets.player.as_deref(), Some("https://embed.api.video/vod/vi4k0jvEUuaTdRAEjQ4Jfrgz"));
        assert!(assets.mp4.unwrap().ends_with("/mp4/source.mp4"));
        assert!(assets.hls.unwrap().ends_with("/hls/manifest.m3u8"));
    }

    #[test]
    fn missing_null_and_unknown_fields_leave_the_rest_readable() {
        // A non-completing chunk's answer: the id alone.
        assert_eq!(serde_json::from_str::<Video>(r#"{"videoId":"viA"}"#).unwrap(), Video { video_id: "viA".into(), ..Video::default() });
        // Nulls where the API may write them, fields of a later API, an asset list in part.
        let video: Video = serde_json::from_str(r#"{"videoId":"viB","title":null,"publishedAt":null,"clip":{"startTimecode":"00:00:01"},"assets":{"player":"https://p"},"metadata":[{"key":"k"}]}"#).unwrap();
        assert_eq!((video.title, video.published_at), (None, None));
        assert_eq!(video.assets, Some(Assets { player: Some("https://p".into()), ..Assets::default() }));
        assert_eq!(video.metadata, [Metadata { key: "k".into(), value: String::new() }]);
    }
}
