//! Text encodings of imported files: UTF-8 (with or without a byte-order mark) and
//! GB18030 (a superset of GBK and GB2312, the encodings many official Chinese statistics
//! files are published in).
//!
//! Detection rule ([`decode`] with `None`): a UTF-8 BOM means UTF-8; a UTF-16 BOM means
//! UTF-16 (what Excel writes for "Unicode text"); otherwise bytes that are valid UTF-8 are
//! UTF-8, and anything else is decoded as GB18030. Valid UTF-8 is almost never produced by
//! accident from GBK text of any length, so the order is safe. Bytes that are valid in
//! neither are an error naming the byte offset: nothing is decoded with replacement
//! characters, so a figure is never silently corrupted.

use encoding_rs::{DecoderResult, GB18030, UTF_16BE, UTF_16LE, UTF_8};
use std::fmt;

/// A text encoding an imported file may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// GB18030, which includes GBK and GB2312 (`gbk` and `gb2312` parse to this).
    Gb18030,
    /// UTF-16 little-endian; only detected from its byte-order mark.
    Utf16Le,
    /// UTF-16 big-endian; only detected from its byte-order mark.
    Utf16Be,
}

impl Encoding {
    /// Parses a user's choice: `utf-8`/`utf8`, `gbk`/`gb2312`/`gb18030`/`cp936`,
    /// `utf-16le`, `utf-16be` (case-insensitive). `None` for anything else.
    pub fn parse(text: &str) -> Option<Encoding> {
        match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" | "utf-8-sig" => Some(Encoding::Utf8),
            "gbk" | "gb2312" | "gb18030" | "cp936" | "gb-18030" => Some(Encoding::Gb18030),
            "utf-16le" | "utf16le" => Some(Encoding::Utf16Le),
            "utf-16be" | "utf16be" => Some(Encoding::Utf16Be),
            _ => None,
        }
    }

    /// The canonical name (`utf-8`, `gb18030`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Gb18030 => "gb18030",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
        }
    }

    fn codec(self) -> &'static encoding_rs::Encoding {
        match self {
            Encoding::Utf8 => UTF_8,
            Encoding::Gb18030 => GB18030,
            Encoding::Utf16Le => UTF_16LE,
            Encoding::Utf16Be => UTF_16BE,
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Bytes that are not valid text in the chosen (or detected) encoding.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("bytes are not valid {encoding} text (first invalid byte at offset {offset}){hint}")]
pub struct EncodingError {
    pub encoding: Encoding,
    /// Byte offset of the first malformed sequence, counted from the start of the file.
    pub offset: usize,
    /// A suggestion for the user (empty or starting with "; ").
    pub hint: String,
}

/// Decodes `bytes` to text.
///
/// `choice = Some(e)` forces encoding `e` (a BOM of that encoding is still removed);
/// `None` detects as described in the module documentation. Returns the text and the
/// encoding used. Malformed input is an error, never replaced.
pub fn decode(bytes: &[u8], choice: Option<Encoding>) -> Result<(String, Encoding), EncodingError> {
    let bom = encoding_rs::Encoding::for_bom(bytes);
    let encoding = match choice {
        Some(e) => e,
        None => match bom {
            Some((e, _)) if e == UTF_16LE => Encoding::Utf16Le,
            Some((e, _)) if e == UTF_16BE => Encoding::Utf16Be,
            Some(_) => Encoding::Utf8,
            None if std::str::from_utf8(bytes).is_ok() => Encoding::Utf8,
            None => Encoding::Gb18030,
        },
    };
    let skip = match bom {
        Some((e, len)) if e == encoding.codec() => len,
        _ => 0,
    };
    let body = &bytes[skip..];
    decode_strict(body, encoding)
        .map(|text| (text, encoding))
        .map_err(|offset| EncodingError {
            encoding,
            offset: offset + skip,
            hint: match (choice, encoding) {
                (Some(Encoding::Utf8), _) => {
                    "; the file may be GBK: try the gbk encoding option".to_string()
                }
                (None, Encoding::Gb18030) => {
                    "; it is not UTF-8 either: save the file as UTF-8 or GBK text".to_string()
                }
                _ => String::new(),
            },
        })
}

/// Decodes without replacement; `Err(offset)` of the first malformed byte sequence.
fn decode_strict(bytes: &[u8], encoding: Encoding) -> Result<String, usize> {
    if encoding == Encoding::Utf8 {
        return std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|e| e.valid_up_to());
    }
    let mut decoder = encoding.codec().new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut out = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    match result {
        DecoderResult::InputEmpty => Ok(out),
        DecoderResult::Malformed(bad, extra) => {
            // `read` counts the malformed sequence and any bytes consumed after it.
            Err(read.saturating_sub(bad as usize + extra as usize))
        }
        // The buffer was sized for the worst case, so this means an encoding_rs contract
        // change; report it as undecodable at the position reached rather than panicking.
        DecoderResult::OutputFull => Err(read),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        let text = "地区,GDP\n宿州,2000\n";
        assert_eq!(
            decode(text.as_bytes(), None).unwrap(),
            (text.to_string(), Encoding::Utf8)
        );
        let mut with_bom = vec![0xEF, 0xBB, 0xBF];
        with_bom.extend_from_slice(text.as_bytes());
        assert_eq!(decode(&with_bom, None).unwrap().0, text);
        assert_eq!(decode(&with_bom, Some(Encoding::Utf8)).unwrap().0, text);
    }

    #[test]
    fn gbk_is_detected_and_decoded() {
        let text = "地区,地区生产总值(亿元)\n宿州市,2167.7\n";
        let (bytes, _, _) = GB18030.encode(text);
        assert!(std::str::from_utf8(&bytes).is_err());
        assert_eq!(
            decode(&bytes, None).unwrap(),
            (text.to_string(), Encoding::Gb18030)
        );
        assert_eq!(decode(&bytes, Some(Encoding::Gb18030)).unwrap().0, text);
        // Forcing UTF-8 on GBK bytes is an error with a hint, not mojibake.
        let err = decode(&bytes, Some(Encoding::Utf8)).unwrap_err();
        // The first byte of 地 in GBK (0xB5) is already invalid UTF-8.
        assert_eq!(err.offset, 0);
        assert!(err.to_string().contains("gbk"), "{err}");
    }

    #[test]
    fn undecodable_bytes_name_the_offset() {
        // 0xFF is not a valid lead byte in GB18030 nor in UTF-8.
        let bytes = b"ab,c\n\xFF\xFF";
        let err = decode(bytes, None).unwrap_err();
        assert_eq!(err.encoding, Encoding::Gb18030);
        assert_eq!(err.offset, 5);
    }

    #[test]
    fn names_parse() {
        assert_eq!(Encoding::parse("GBK"), Some(Encoding::Gb18030));
        assert_eq!(Encoding::parse("utf8"), Some(Encoding::Utf8));
        assert_eq!(Encoding::parse("latin1"), None);
        for e in [
            Encoding::Utf8,
            Encoding::Gb18030,
            Encoding::Utf16Le,
            Encoding::Utf16Be,
        ] {
            assert_eq!(Encoding::parse(e.name()), Some(e));
        }
    }

    #[test]
    fn utf16_bom_is_honoured() {
        // encoding_rs has no UTF-16 encoder, so build the bytes by hand.
        let mut le = vec![0xFF, 0xFE];
        for u in "宿州,1".encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(
            decode(&le, None).unwrap(),
            ("宿州,1".to_string(), Encoding::Utf16Le)
        );
    }
}
