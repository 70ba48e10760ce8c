//! The plumbing every feature shares: errors and their two renderers
//! (problem JSON, HTML page), the JSON extractor, the page context, the
//! language, writes and their CSRF check, the client's address, CSV and
//! multipart bodies, and the static files.

pub mod answer;
pub mod assets;
pub mod client;
pub mod cookies;
pub mod csv;
pub mod error;
pub mod groups;
pub mod json;
pub mod lang;
pub mod multipart;
pub mod page;
pub mod routes;
pub mod sheet;
pub mod write;
