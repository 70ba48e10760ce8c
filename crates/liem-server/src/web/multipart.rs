//! Reading multipart bodies as they stream in: text fields and uploads,
//! each within its own limit and all within a total, and a gate (the proof
//! of work, the receipt code, the CSRF token) checked on the text fields
//! that come first, before any file is read — so that a body which does not
//! pass costs the server the few kilobytes of its leading fields, whatever
//! its size.

use crate::files::Upload;
use crate::web::error::AppError;
use crate::web::error::AppResult;
use axum::extract::multipart::Field;
use axum::extract::Multipart;
use std::future::Future;

/// The limits of one multipart body.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// One text field, in bytes.
    pub text_field: usize,
    /// All text fields together.
    pub text_total: usize,
    /// One file.
    pub file: usize,
    /// All files together.
    pub files_total: usize,
}

impl Limits {
    /// The limits of a form with files of at most `max_file` bytes: text
    /// fields of 64 KiB and 256 KiB in all, five files' worth in all.
    pub fn with_files(max_file: usize) -> Limits {
        Limits {
            text_field: 64 * 1024,
            text_total: 256 * 1024,
            file: max_file,
            files_total: max_file.saturating_mul(5),
        }
    }
}

/// Why a body was not read whole.
#[derive(Debug)]
pub enum Refused<E> {
    /// The gate refused it, on these leading fields.
    Gate(E, Vec<(String, String)>),
    /// The body broke a limit or was not multipart.
    Read(AppError),
}

impl<E> From<AppError> for Refused<E> {
    fn from(e: AppError) -> Self {
        Refused::Read(e)
    }
}

async fn read_limited(
    field: &mut Field<'_>,
    limit: usize,
    total: &mut usize,
    total_limit: usize,
    what: &str,
) -> AppResult<Vec<u8>> {
    let mut buf = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| AppError::BadRequest(format!("{what}: {e}")))?
    {
        if buf.len() + chunk.len() > limit {
            return Err(AppError::TooLarge(format!(
                "{what} is larger than {limit} bytes"
            )));
        }
        *total += chunk.len();
        if *total > total_limit {
            return Err(AppError::TooLarge(format!(
                "the form is larger than {total_limit} bytes in all"
            )));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// Reads a multipart form into text fields and uploads (the parts named
/// `attachments` or `file`, or carrying a file name). `gate` is called once,
/// with the text fields read so far, when the first file part arrives (or
/// at the end when none does): the files of a body it refuses are never
/// read.
pub async fn read_gated<T, E, G, Fut>(
    mut mp: Multipart,
    limits: Limits,
    gate: G,
) -> Result<(Vec<(String, String)>, Vec<Upload>, T), Refused<E>>
where
    G: FnOnce(Vec<(String, String)>) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut uploads = Vec::new();
    let mut gate = Some(gate);
    let mut passed = None;
    let (mut text_total, mut files_total) = (0usize, 0usize);
    while let Some(mut field) = mp
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(e.to_string()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let is_file = filename.is_some() || name == "attachments" || name == "file";
        if is_file {
            if passed.is_none() {
                let g = gate.take().expect("the gate runs once");
                match g(fields.clone()).await {
                    Ok(t) => passed = Some(t),
                    Err(e) => return Err(Refused::Gate(e, fields)),
                }
            }
            let filename = filename.unwrap_or_default();
            let what = if filename.is_empty() {
                "the file".to_owned()
            } else {
                filename.clone()
            };
            let bytes = read_limited(
                &mut field,
                limits.file,
                &mut files_total,
                limits.files_total,
                &what,
            )
            .await?;
            if !bytes.is_empty() {
                uploads.push(Upload { filename, bytes });
            }
        } else {
            let bytes = read_limited(
                &mut field,
                limits.text_field,
                &mut text_total,
                limits.text_total,
                &format!("the field {name}"),
            )
            .await?;
            let text = String::from_utf8(bytes)
                .map_err(|_| AppError::BadRequest(format!("the field {name} is not UTF-8")))?;
            fields.push((name, text));
        }
    }
    let passed = match passed {
        Some(t) => t,
        None => {
            let g = gate.take().expect("the gate runs once");
            match g(fields.clone()).await {
                Ok(t) => t,
                Err(e) => return Err(Refused::Gate(e, fields)),
            }
        }
    };
    Ok((fields, uploads, passed))
}

/// Reads a multipart form into text fields and uploads, without a gate.
pub(crate) async fn read_form(
    mp: Multipart,
    max: usize,
) -> AppResult<(Vec<(String, String)>, Vec<Upload>)> {
    match read_gated(mp, Limits::with_files(max), |_| async {
        Ok::<(), AppError>(())
    })
    .await
    {
        Ok((fields, uploads, ())) => Ok((fields, uploads)),
        Err(Refused::Gate(e, _)) | Err(Refused::Read(e)) => Err(e),
    }
}

/// Reads the files of a multipart body.
pub async fn read_uploads(mp: Multipart, max: usize) -> AppResult<Vec<Upload>> {
    Ok(read_form(mp, max).await?.1)
}
