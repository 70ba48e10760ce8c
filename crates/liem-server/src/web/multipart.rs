//! Reading multipart bodies: text fields and uploads, each within its limit.

use crate::files::Upload;
use crate::web::error::AppError;
use crate::web::error::AppResult;
use axum::extract::Multipart;

/// Reads a multipart form into text fields and uploads.
pub(crate) async fn read_form(
    mut mp: Multipart,
    max: usize,
) -> AppResult<(Vec<(String, String)>, Vec<Upload>)> {
    let mut fields = Vec::new();
    let mut uploads = Vec::new();
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(e.to_string()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "attachments" {
            let filename = field.file_name().unwrap_or_default().to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| AppError::TooLarge(e.to_string()))?;
            if bytes.len() > max {
                return Err(AppError::TooLarge(format!(
                    "{filename} is larger than {max} bytes"
                )));
            }
            if !bytes.is_empty() {
                uploads.push(Upload {
                    filename,
                    bytes: bytes.to_vec(),
                });
            }
        } else {
            let text = field
                .text()
                .await
                .map_err(|e| AppError::BadRequest(e.to_string()))?;
            fields.push((name, text));
        }
    }
    Ok((fields, uploads))
}

/// Reads the `file` parts of a multipart body.
pub async fn read_uploads(mut multipart: Multipart, max: usize) -> AppResult<Vec<Upload>> {
    let mut out = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(e.to_string()))?
    {
        if field.name() != Some("file") && field.name() != Some("attachments") {
            continue;
        }
        let filename = field.file_name().unwrap_or("file").to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| AppError::TooLarge(format!("attachment too large or unreadable: {e}")))?;
        if bytes.is_empty() && filename.is_empty() {
            continue;
        }
        if bytes.len() > max {
            return Err(AppError::TooLarge(format!(
                "{filename} is larger than {max} bytes"
            )));
        }
        if !bytes.is_empty() {
            out.push(Upload {
                filename,
                bytes: bytes.to_vec(),
            });
        }
    }
    Ok(out)
}
