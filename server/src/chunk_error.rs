//! Why a chunk is refused, as the ledgers decide it. They say *what* is wrong; how that is
//! answered (status, problem type, title) is decided once, in `error_answers.rs`.

/// Why the ledgers refuse a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkError {
    /// The body is empty.
    Empty,
    /// The body is over the largest chunk accepted.
    TooLarge,
    /// A `part N/M` value this upload cannot take.
    Part(PartRule),
    /// A `bytes F-T/N` value this upload cannot take.
    Bytes(BytesRule),
    /// The upload started with the other `Content-Range` mode.
    ModeMismatch {
        /// The mode it started with (`part` or `bytes`).
        started: &'static str,
        /// The mode of this chunk.
        sent: &'static str,
    },
}

/// A rule of `part N/M` uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartRule {
    /// Part 0.
    PartZero,
    /// A part number over 10,000.
    PartTooHighAllowed,
    /// A total of 0.
    TotalPartsZero,
    /// A total over 10,000.
    TotalPartsTooHigh,
    /// A total unlike the one sent before.
    DifferentTotalParts,
    /// A total below a part already sent.
    TotalPartsTooLow,
    /// A part number over the total.
    PartTooHighTotal,
    /// A part sent before.
    PartAlreadySent,
    /// A part under 5 MiB that is not the last.
    TooSmall,
}

/// A rule of `bytes F-T/N` uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BytesRule {
    /// A total of 0.
    TotalBytesZero,
    /// A total over the largest file.
    TotalBytesTooHigh,
    /// A total unlike the one sent before.
    DifferentTotalBytes,
    /// A total below a range already sent.
    TotalBytesTooLow,
    /// `from` after `to`.
    FromByteTooHigh,
    /// `to` past the largest file.
    ToByteTooHighAllowed,
    /// `to` past the total.
    ToByteTooHighTotal,
    /// A range whose length is not the body's.
    RangeMismatch,
    /// A range over the largest chunk.
    RangeTooLarge,
    /// A range over one already sent.
    RangeOverlap,
    /// A range under 5 MiB that does not end the file.
    RangeTooSmall,
}

impl PartRule {
    /// The end of the problem type, after `video-content-range-by-part-`.
    pub fn slug(self) -> &'static str {
        match self {
            PartRule::PartZero => "part-zero",
            PartRule::PartTooHighAllowed => "part-too-high-allowed",
            PartRule::TotalPartsZero => "total-parts-zero",
            PartRule::TotalPartsTooHigh => "total-parts-too-high",
            PartRule::DifferentTotalParts => "different-total-parts",
            PartRule::TotalPartsTooLow => "total-parts-too-low",
            PartRule::PartTooHighTotal => "part-too-high-total",
            PartRule::PartAlreadySent => "part-already-sent",
            PartRule::TooSmall => "uploaded-file-too-small",
        }
    }

    /// What the client reads.
    pub fn title(self) -> &'static str {
        match self {
            PartRule::PartZero => "The part number must be greater than 0.",
            PartRule::PartTooHighAllowed => "The part number must be lower than or equal to 10000.",
            PartRule::TotalPartsZero => "The total number of parts must be greater than 0.",
            PartRule::TotalPartsTooHigh => "The total number of parts must be lower than or equal to 10000.",
            PartRule::DifferentTotalParts => "The total number of parts differs from the one previously sent.",
            PartRule::TotalPartsTooLow => "The total number of parts is lower than a part number already sent.",
            PartRule::PartTooHighTotal => "The part number cannot be greater than the total number of parts.",
            PartRule::PartAlreadySent => "The part value collides with a previous one you already sent.",
            PartRule::TooSmall => {
                "The uploaded file is too small. It must be greater than or equal to 5 MiB (5,242,880 bytes), except if it is the last part."
            }
        }
    }
}

impl BytesRule {
    /// The end of the problem type, after `video-content-range-by-bytes-`.
    pub fn slug(self) -> &'static str {
        match self {
            BytesRule::TotalBytesZero => "total-bytes-zero",
            BytesRule::TotalBytesTooHigh => "total-bytes-too-high",
            BytesRule::DifferentTotalBytes => "different-total-bytes",
            BytesRule::TotalBytesTooLow => "total-bytes-too-low",
            BytesRule::FromByteTooHigh => "from-byte-too-high",
            BytesRule::ToByteTooHighAllowed => "to-byte-too-high-allowed",
            BytesRule::ToByteTooHighTotal => "to-byte-too-high-total",
            BytesRule::RangeMismatch => "range-mismatch",
            BytesRule::RangeTooLarge => "range-too-large",
            BytesRule::RangeOverlap => "range-overlap",
            BytesRule::RangeTooSmall => "range-too-small",
        }
    }

    /// What the client reads.
    pub fn title(self) -> &'static str {
        match self {
            BytesRule::TotalBytesZero => "The total number of bytes must be greater than 0.",
            BytesRule::TotalBytesTooHigh => "The total number of bytes must be lower than or equal to 52,428,800,000.",
            BytesRule::DifferentTotalBytes => "The total number of bytes differs from the one previously sent.",
            BytesRule::TotalBytesTooLow => "The total number of bytes is lower than a range already sent.",
            BytesRule::FromByteTooHigh => "The from byte must be lower than or equal to the to byte.",
            BytesRule::ToByteTooHighAllowed => "The to byte must be lower than or equal to 52,428,799,999.",
            BytesRule::ToByteTooHighTotal => "The to byte must be lower than the total number of bytes.",
            BytesRule::RangeMismatch => "The range does not match the size of the uploaded file.",
            BytesRule::RangeTooLarge => "The range must be lower than or equal to 209,715,200 (200 MiB).",
            BytesRule::RangeOverlap => "The range overlaps a range you already sent.",
            BytesRule::RangeTooSmall => {
                "The range is too small. It must be greater than or equal to 5 MiB (5,242,880 bytes), except if it ends the file."
            }
        }
    }
}

impl ChunkError {
    /// The problem type's slug (after `https://docs.api.video/reference/`).
    pub fn slug(self) -> String {
        match self {
            ChunkError::Empty => "uploaded-file-empty".to_owned(),
            ChunkError::TooLarge => "uploaded-file-too-large".to_owned(),
            ChunkError::Part(rule) => format!("video-content-range-by-part-{}", rule.slug()),
            ChunkError::Bytes(rule) => format!("video-content-range-by-bytes-{}", rule.slug()),
            ChunkError::ModeMismatch { started, .. } => format!("video-content-range-started-with-{started}"),
        }
    }
}
