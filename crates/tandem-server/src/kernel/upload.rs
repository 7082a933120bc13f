//! Reading uploaded files. Handlers check the right to upload first and only then call these,
//! so nothing is buffered for someone who may not upload; the bytes are capped at
//! `tandem_sheet`'s file limit, so an oversize upload is a 413 naming the limit before any
//! parser sees it.

use crate::kernel::error::ApiError;
use axum::body::{Body, Bytes};
use axum::extract::multipart::Field;
use axum::extract::Multipart;
use axum::http::StatusCode;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tandem_platform::entity::FieldError;
use tandem_platform::service::PlatformError;

/// The most bytes an upload may have: the spreadsheet reader's file limit.
pub const MAX_UPLOAD_BYTES: u64 = tandem_sheet::Limits::DEFAULT.max_file_bytes;

/// Why an upload could not be read.
#[derive(Debug)]
pub enum UploadError {
    /// Over [`MAX_UPLOAD_BYTES`] (413).
    TooLarge,
    /// The body broke off or the multipart stream is malformed.
    Broken(String),
}

impl UploadError {
    fn message(&self) -> String {
        match self {
            UploadError::TooLarge => format!(
                "the upload is larger than {MAX_UPLOAD_BYTES} bytes (limit: max_file_bytes = \
                 {MAX_UPLOAD_BYTES}); split the data into smaller files"
            ),
            UploadError::Broken(m) => format!("the upload could not be read ({m}); send it again"),
        }
    }

    /// The error as the pages show it.
    pub fn platform(&self) -> PlatformError {
        match self {
            UploadError::TooLarge => PlatformError::TooLarge(self.message()),
            UploadError::Broken(_) => PlatformError::Invalid(vec![FieldError::new(
                "file",
                "unreadable",
                self.message(),
                "无法读取上传的文件，请重新上传".into(),
            )]),
        }
    }
}

impl From<UploadError> for ApiError {
    fn from(e: UploadError) -> ApiError {
        match e {
            UploadError::TooLarge => ApiError::Platform(e.platform()),
            UploadError::Broken(_) => ApiError::BadRequest(e.message()),
        }
    }
}

/// The whole request body, refused once it passes [`MAX_UPLOAD_BYTES`].
pub async fn read_body(body: Body) -> Result<Bytes, UploadError> {
    match Limited::new(body, MAX_UPLOAD_BYTES as usize)
        .collect()
        .await
    {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(UploadError::TooLarge),
        Err(e) => Err(UploadError::Broken(e.to_string())),
    }
}

/// The next field of a multipart form; the router's body limit, when the form as a whole
/// passes it, is [`UploadError::TooLarge`].
pub async fn next_field(multipart: &mut Multipart) -> Result<Option<Field<'_>>, UploadError> {
    multipart.next_field().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            UploadError::TooLarge
        } else {
            UploadError::Broken(e.body_text())
        }
    })
}

/// A multipart field's bytes, refused once they pass [`MAX_UPLOAD_BYTES`].
pub async fn read_field(mut field: Field<'_>) -> Result<Vec<u8>, UploadError> {
    let mut bytes = Vec::new();
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if (bytes.len() + chunk.len()) as u64 > MAX_UPLOAD_BYTES {
                    return Err(UploadError::TooLarge);
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(bytes),
            // The router's body limit, hit by the stream as a whole.
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(UploadError::TooLarge)
            }
            Err(e) => return Err(UploadError::Broken(e.body_text())),
        }
    }
}
